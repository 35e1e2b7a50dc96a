package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// sessionCookie holds the coach's signed session; sessionLength is how long
// one lasts.
const (
	sessionCookie = "dripbook_admin"
	sessionLength = 12 * time.Hour
	csrfField     = "_csrf"
)

// secure reports whether cookies may only travel over https: whenever the
// site is served over it.
func (s *server) secure() bool { return strings.HasPrefix(s.BaseURL, "https://") }

// sessionPurpose binds sessions to the password: a new ADMIN_PASSWORD
// signs every session out.
func (s *server) sessionPurpose() string {
	sum := sha256.Sum256([]byte("dripbook admin password\x00" + s.AdminPassword))
	return "admin-session:" + hex.EncodeToString(sum[:8])
}

// passwordMatches compares digests of equal length in constant time, so
// neither the password's content nor its length shows in the timing.
func (s *server) passwordMatches(given string) bool {
	want := sha256.Sum256([]byte(s.AdminPassword))
	got := sha256.Sum256([]byte(given))
	return subtle.ConstantTimeCompare(want[:], got[:]) == 1
}

// csrf guards every console POST with a token from a cookie that must come
// back in the form's hidden field. A browser that says a request is
// same-origin (Sec-Fetch-Site) is believed; anything else it names,
// cross-site or same-site, is refused: a sibling subdomain can set the
// token's cookie, so the token alone would not tell it from the console.
func (s *server) csrf() echo.MiddlewareFunc {
	return middleware.CSRFWithConfig(middleware.CSRFConfig{
		AllowSecFetchSiteFunc: func(echo.Context) (bool, error) {
			return false, echo.NewHTTPError(http.StatusForbidden, "cross-origin request blocked by CSRF")
		},
		TokenLookup:    "form:" + csrfField,
		CookieName:     "dripbook_csrf",
		CookiePath:     "/admin",
		CookieHTTPOnly: true,
		CookieSecure:   s.secure(),
		CookieSameSite: http.SameSiteLaxMode,
		CookieMaxAge:   int(sessionLength / time.Second),
	})
}

// csrfToken is the token a console form carries.
func csrfToken(c echo.Context) string {
	tok, _ := c.Get("csrf").(string)
	return tok
}

// requireAdmin lets signed-in requests through and sends everyone else to
// the sign-in page.
func (s *server) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.signedIn(c) {
			return next(c)
		}
		return c.Redirect(http.StatusSeeOther, "/admin/login")
	}
}

// signedIn reports whether the request carries a valid session.
func (s *server) signedIn(c echo.Context) bool {
	ck, err := c.Cookie(sessionCookie)
	if err != nil {
		return false
	}
	_, err = s.Signer.Verify(ck.Value, s.sessionPurpose(), sessionLength, s.Now())
	return err == nil
}

// loginForm is what the sign-in page shows.
type loginForm struct {
	CSRF  string
	Wrong bool
}

func (s *server) loginPage(c echo.Context) error {
	if s.signedIn(c) {
		return c.Redirect(http.StatusSeeOther, "/admin")
	}
	return s.render(c, http.StatusOK, "admin_login", "Sign in", loginForm{CSRF: csrfToken(c)})
}

// login checks the password. A wrong one gets the same page and status
// however close it was.
func (s *server) login(c echo.Context) error {
	if err := s.limiter.allowStrict(c.Request().Context(), "admin-login:ip", clientKey(c.RealIP()), s.Limits.LoginPerIP); err != nil {
		return err
	}
	if !s.passwordMatches(c.FormValue("password")) {
		return s.render(c, http.StatusUnauthorized, "admin_login", "Sign in", loginForm{CSRF: csrfToken(c), Wrong: true})
	}
	c.SetCookie(s.cookie(s.Signer.Sign(s.sessionPurpose(), 0, s.Now()), sessionLength))
	return c.Redirect(http.StatusSeeOther, "/admin")
}

// logout forgets the session in this browser. Sessions are stateless: a
// copied cookie stays valid until it expires or the password changes.
func (s *server) logout(c echo.Context) error {
	c.SetCookie(s.cookie("", -1))
	return c.Redirect(http.StatusSeeOther, "/admin/login")
}

func (s *server) cookie(value string, life time.Duration) *http.Cookie {
	ck := &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/admin",
		HttpOnly: true, Secure: s.secure(), SameSite: http.SameSiteLaxMode,
	}
	if life > 0 {
		ck.MaxAge = int(life / time.Second)
		ck.Expires = s.Now().Add(life)
	} else {
		ck.MaxAge = -1
	}
	return ck
}
