package address_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/address"
)

func TestMailboxIsOneFormPerInbox(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"victim@example.com", "victim@example.com"},
		{"Victim+1@Example.COM", "victim@example.com"},
		{"victim+a+b@example.com", "victim@example.com"},
		{"victim@example.com.", "victim@example.com"},
		{"victim@bücher.example", "victim@xn--bcher-kva.example"},
		{"victim@BÜCHER.example", "victim@xn--bcher-kva.example"},
		{"victim@xn--bcher-kva.example", "victim@xn--bcher-kva.example"},
		{"v.i.c.t.i.m+spam@googlemail.com", "victim@gmail.com"},
		{"first.last@example.com", "first.last@example.com"},
		{"+tag@example.com", "+tag@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, address.Mailbox(tt.in))
		})
	}
}
