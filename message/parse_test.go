package message

import (
	"net/mail"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseMessageDecodes(t *testing.T) {
	raw := strings.Join([]string{
		"From: Coach <coach@example.test>",
		"To: sam@example.test",
		"Subject: =?UTF-8?q?Gr=C3=BC=C3=9Fe?= aus dem =?UTF-8?b?Q2FueW9u?=",
		"MIME-Version: 1.0",
		`Content-Type: multipart/mixed; boundary="outer"`,
		"",
		"--outer",
		`Content-Type: multipart/alternative; boundary="inner"`,
		"",
		"--inner",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: base64",
		"",
		"SGVsbG8sIFPDpG0hCg==",
		"--inner",
		"Content-Type: text/html; charset=utf-8",
		"Content-Transfer-Encoding: quoted-printable",
		"",
		"<p style=3D\"margin:0\">Hello, S=C3=A4m! A long line that is soft-=",
		"wrapped.</p>",
		"--inner--",
		"--outer",
		`Content-Type: application/ics; name="invite.ics"`,
		`Content-Disposition: attachment; filename="invite.ics"`,
		"Content-Transfer-Encoding: base64",
		"",
		"QkVHSU46VkNBTEVOREFSDQpFTkQ6VkNBTEVOREFSDQo=",
		"--outer--",
		"",
	}, "\r\n")
	p, err := ParseMessage([]byte(raw))
	require.NoError(t, err)
	require.Equal(t, "Grüße aus dem Canyon", p.Subject)
	require.Equal(t, "Hello, Säm!\n", p.Text)
	require.Equal(t, `<p style="margin:0">Hello, Säm! A long line that is soft-wrapped.</p>`, p.HTML)
	require.Equal(t, "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", p.Calendar)
	require.Empty(t, p.CalendarMethod, "an attachment carries no method parameter")
	require.Equal(t, []byte(raw), p.Raw)

	_, err = ParseMessage([]byte("not a message"))
	require.Error(t, err)
}

func TestListID(t *testing.T) {
	for _, tc := range []struct{ title, domain, want string }{
		{"The Product Leader Canyon", "example.com", `"The Product Leader Canyon" <the-product-leader-canyon.example.com>`},
		{`Say "hi" \ now!`, "Example.COM.", `"Say \"hi\" \\ now!" <say-hi-now.example.com>`},
		{"Café für alle", "example.com", "=?utf-8?b?Q2Fmw6kgZsO8ciBhbGxl?= <caf-f-r-alle.example.com>"},
		{"", "example.com", "<course.example.com>"},
		{"¿¡", "example.com", "=?utf-8?b?wr/CoQ==?= <course.example.com>"},
		{`Café "Leader" <Kurs>, (of) Product`, "example.com", "=?utf-8?b?Q2Fmw6kgIkxlYWRlciIgPEt1cnM+LCAob2YpIFByb2R1Y3Q=?= <caf-leader-kurs-of-product.example.com>"},
	} {
		got := ListID(tc.title, tc.domain)
		require.Equal(t, tc.want, got, tc.title)
		if tc.title != "" {
			// A phrase and an angle address, as RFC 2919 has it: what a
			// mail reader parses back to the title and the id.
			a, err := mail.ParseAddress(strings.Replace(got, ">", "@list>", 1))
			require.NoError(t, err, got)
			require.Equal(t, tc.title, a.Name)
		}
	}
	long := ListID(strings.Repeat("ab ", 40), "example.com")
	require.Less(t, len(long), 255, "RFC 2919 limits the field")
	require.Contains(t, long, "<ab-ab-", "a long title is cut, not dropped")
	require.NotContains(t, long, "-.", "the cut leaves no dash before the domain")
}
