package emails

import "sync"

// body is an email's Markdown body parsed and rendered once, with its
// variables still as tokens (see tokenize): every email made from it
// differs only in the values that replace them.
type body struct {
	html string
	text textPart
}

// maxBodies bounds the cache: a course has a few dozen bodies (lessons,
// tracks, booking emails), so only something unforeseen reaches it, and
// then the rest are parsed every time as before.
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
