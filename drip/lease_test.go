package drip_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/drip"
	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/storage"
	"github.com/dripbook/dripbook/testenv"
)

// heldMailer holds every send until release closes or the send is
// cancelled, as a relay that takes long to answer DATA.
type heldMailer struct {
	started chan struct{}
	release chan struct{}
}

func newHeldMailer() *heldMailer {
	return &heldMailer{started: make(chan struct{}, 1), release: make(chan struct{})}
}

func (m *heldMailer) Send(ctx context.Context, _ *message.Message) error {
	m.started <- struct{}{}
	select {
	case <-m.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// unrenewable is a store whose claims cannot be renewed, as a database that
// became unreachable from this worker alone.
type unrenewable struct{ *storage.Store }

func (unrenewable) RenewClaim(context.Context, models.DeliveryKey) (bool, error) {
	return false, errors.New("connection refused")
}

// hanging is a store whose renewals never answer until given up on, as a
// database behind a half-open connection.
type hanging struct{ *storage.Store }

func (hanging) RenewClaim(ctx context.Context, _ models.DeliveryKey) (bool, error) {
	<-ctx.Done()
	return false, ctx.Err()
}

// pendingConfirmation signs up one address and returns the key of its
// confirmation email.
func pendingConfirmation(t *testing.T, store *storage.Store, addr string) models.DeliveryKey {
	t.Helper()
	res, err := store.Subscribe(context.Background(), models.Signup{Email: addr, TextVersion: "v1"})
	require.NoError(t, err)
	return models.DeliveryKey{SubscriberID: res.SubscriberID, Kind: models.KindConfirm, Step: "1"}
}

// A send that outlasts the lease keeps its claim: it is renewed as the send
// goes, so no other worker takes it over and sends the email twice.
func TestALongSendKeepsItsClaim(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store := testenv.SQLite(t)
	key := pendingConfirmation(t, store, "slow@example.com")
	mailer := newHeldMailer()
	const lease = 600 * time.Millisecond
	e := newEngine(t, store, mailer, lease)

	done := make(chan error, 1)
	go func() { done <- e.SendConfirmation(ctx, key.SubscriberID, 1) }()
	<-mailer.started
	testenv.Wait(t, 10*time.Second, "the claim renewed past its first lease", func() error {
		d, err := store.Delivery(ctx, key)
		if err != nil {
			return err
		}
		if d.UpdatedAt.Sub(d.CreatedAt) <= lease {
			return errors.New("not renewed past the lease yet")
		}
		return nil
	})
	require.ErrorIs(t, store.ClaimDelivery(ctx, key, lease), models.ErrInFlight, "another worker finds it held")
	close(mailer.release)
	require.NoError(t, <-done)
	d, err := store.Delivery(ctx, key)
	require.NoError(t, err)
	require.Equal(t, models.DeliverySent, d.State)
	require.Equal(t, 1, d.Attempts)
}

// A send whose claim cannot be kept is cancelled, and records nothing: the
// delivery is someone else's to record.
func TestASendThatLosesItsClaimIsCancelled(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const lease = 600 * time.Millisecond

	t.Run("finished elsewhere", func(t *testing.T) {
		t.Parallel()
		store := testenv.SQLite(t)
		key := pendingConfirmation(t, store, "taken@example.com")
		mailer := newHeldMailer()
		e := newEngine(t, store, mailer, lease)
		done := make(chan error, 1)
		go func() { done <- e.SendConfirmation(ctx, key.SubscriberID, 1) }()
		<-mailer.started
		require.NoError(t, store.MarkSent(ctx, key), "as a worker that took the claim over")
		require.ErrorIs(t, <-done, drip.ErrClaimLost)
		d, err := store.Delivery(ctx, key)
		require.NoError(t, err)
		require.Equal(t, models.DeliverySent, d.State, "left as the other worker recorded it")
	})

	t.Run("cannot renew", func(t *testing.T) {
		t.Parallel()
		store := testenv.SQLite(t)
		key := pendingConfirmation(t, store, "cut-off@example.com")
		mailer := newHeldMailer()
		e := newEngine(t, unrenewable{store}, mailer, lease)
		done := make(chan error, 1)
		go func() { done <- e.SendConfirmation(ctx, key.SubscriberID, 1) }()
		<-mailer.started
		require.ErrorIs(t, <-done, drip.ErrClaimLost)
		d, err := store.Delivery(ctx, key)
		require.NoError(t, err)
		require.Equal(t, models.DeliverySending, d.State, "taken over once the lease passes")
	})

	t.Run("renewal hangs", func(t *testing.T) {
		t.Parallel()
		store := testenv.SQLite(t)
		key := pendingConfirmation(t, store, "hung@example.com")
		mailer := newHeldMailer()
		e := newEngine(t, hanging{store}, mailer, lease)
		// Far past the lease, so only the engine's own cut-off ends it.
		sendCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- e.SendConfirmation(sendCtx, key.SubscriberID, 1) }()
		<-mailer.started
		err := <-done
		require.ErrorIs(t, err, drip.ErrClaimLost, "a renewal that never answers is a renewal that failed")
		require.NoError(t, sendCtx.Err(), "cut off by the claim, not by the task's deadline")
	})
}
