package emails

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// body is an email's Markdown body parsed and rendered once, with its
// variables still as tokens (see tokenize): every email made from it
// differs only in the values that replace them.
type body struct {
	html filled
	text textPart
}

// maxBodies bounds the cache: a course has a few dozen bodies (lessons,
// tracks, booking emails), so only something unforeseen reaches it, and
// any body past it is parsed for every email.
const maxBodies = 512

// bodies caches parsed bodies by their tokenized source, which is the same
// for every subscriber: parsing the Markdown was the largest cost of
// sending a lesson.
type bodies struct {
	mu sync.RWMutex
	m  map[string]*body
}

// get returns src's body, parsing it the first time.
func (c *bodies) get(src []byte, parse func([]byte) (*body, error)) (*body, error) {
	c.mu.RLock()
	b, ok := c.m[string(src)]
	c.mu.RUnlock()
	if ok {
		return b, nil
	}
	b, err := parse(src)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*body{}
	}
	if len(c.m) < maxBodies {
		c.m[string(src)] = b
	}
	return b, nil
}

// token is the stand-in for the n-th variable of a body; a link's is
// URL-shaped. Tokens end in a letter so that no token is a prefix of
// another.
func token(n int, link bool) string {
	if link {
		return "https://dripbook.invalid/v" + strconv.Itoa(n) + "z"
	}
	return "DBVAR" + strconv.Itoa(n) + "Z"
}

// tokens finds what token writes.
var tokens = regexp.MustCompile(`DBVAR([0-9]+)Z|https://dripbook\.invalid/v([0-9]+)z`)

// filled is text with tokens in it, split at them once, so that filling in
// the values is one pass of copying.
type filled struct {
	parts []string // the text around the tokens, one more than vars
	vars  []int    // the variable each token stands for
	lits  []string // each token as written
}

func split(s string) filled {
	var f filled
	at := 0
	for _, m := range tokens.FindAllStringSubmatchIndex(s, -1) {
		num := ""
		if m[2] >= 0 { // the first group matched, or else the second
			num = s[m[2]:m[3]]
		} else {
			num = s[m[4]:m[5]]
		}
		n, err := strconv.Atoi(num)
		if err != nil {
			continue // too many digits to be a token: text like any other
		}
		f.parts = append(f.parts, s[at:m[0]])
		f.vars = append(f.vars, n)
		f.lits = append(f.lits, s[m[0]:m[1]])
		at = m[1]
	}
	f.parts = append(f.parts, s[at:])
	return f
}

// static reports whether f has no token in it.
func (f filled) static() bool { return len(f.vars) == 0 }

// fill writes f with vals in place of its tokens. A token with no value
// (text that only looks like one) stays as it is.
func (f filled) fill(vals []string) string {
	if f.static() {
		return f.parts[0]
	}
	var b strings.Builder
	n := 0
	for _, p := range f.parts {
		n += len(p)
	}
	for _, v := range vals {
		n += len(v)
	}
	b.Grow(n)
	for i, p := range f.parts {
		b.WriteString(p)
		if i == len(f.vars) {
			break
		}
		if v := f.vars[i]; v < len(vals) {
			b.WriteString(vals[v])
		} else {
			b.WriteString(f.lits[i]) // text that only looks like a token
		}
	}
	return b.String()
}
