package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/push"
)

// TestPush checks an empty push.Store: compare-and-set, the VAPID keys
// made once whoever asks first (callers at once agree), subscriptions one
// per session, settings and the index of who wants every message.
func TestPush(t *testing.T, st push.Store) {
	t.Helper()
	ctx := context.Background()
	if _, _, err := st.Get(ctx, "x"); !errors.Is(err, push.ErrNotFound) {
		t.Fatalf("Get of nothing: %v", err)
	}
	rev, err := st.Create(ctx, "x", []byte("1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Create(ctx, "x", []byte("2")); !errors.Is(err, push.ErrExists) {
		t.Fatalf("second Create: %v", err)
	}
	if _, err := st.Update(ctx, "x", []byte("3"), rev+100); !errors.Is(err, push.ErrConflict) {
		t.Fatalf("stale Update: %v", err)
	}
	if _, err := st.Update(ctx, "x", []byte("3"), rev); err != nil {
		t.Fatal(err)
	}
	if b, _, err := st.Get(ctx, "x"); err != nil || string(b) != "3" {
		t.Fatalf("Get = %q, %v", b, err)
	}
	if err := st.Delete(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete(ctx, "x"); err != nil {
		t.Fatalf("Delete of nothing: %v", err)
	}

	keys := make([]push.Keys, 6)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Go(func() {
			k, err := push.LoadKeys(ctx, st)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		})
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if k != keys[0] || k.Public == "" {
			t.Fatalf("callers at once got different keys: %+v", keys)
		}
	}

	s1 := push.Subscription{Endpoint: "https://push.example/1", P256dh: "p", Auth: "a", Group: "g1"}
	s2 := push.Subscription{Endpoint: "https://push.example/2", P256dh: "p", Auth: "a", Group: "g2"}
	s1b := push.Subscription{Endpoint: "https://push.example/1b", P256dh: "p", Auth: "a", Group: "g1"}
	for _, s := range []push.Subscription{s1, s2, s1b} {
		if err := push.Subscribe(ctx, st, "ann", s); err != nil {
			t.Fatal(err)
		}
	}
	subs, err := push.Subscriptions(ctx, st, "ann")
	if err != nil || len(subs) != 2 || subs[0].Group != "g2" || subs[1].Endpoint != s1b.Endpoint {
		t.Fatalf("subscriptions = %+v, %v; want g2 and g1's second", subs, err)
	}
	if n, err := push.Unsubscribe(ctx, st, "ann", push.Live([]string{"g1"})); n != 1 || err != nil {
		t.Fatalf("Unsubscribe of ended sessions = %d, %v", n, err)
	}
	if subs, _ := push.Subscriptions(ctx, st, "ann"); len(subs) != 1 || subs[0].Group != "g1" {
		t.Fatalf("after: %+v", subs)
	}

	// The same browser (endpoint) subscribed by someone else is theirs now.
	if err := push.Subscribe(ctx, st, "bob", push.Subscription{Endpoint: s1b.Endpoint, P256dh: "p", Auth: "a", Group: "b1"}); err != nil {
		t.Fatal(err)
	}
	if subs, _ := push.Subscriptions(ctx, st, "ann"); len(subs) != 0 {
		t.Fatalf("ann keeps the endpoint bob subscribed: %+v", subs)
	}
	if subs, _ := push.Subscriptions(ctx, st, "bob"); len(subs) != 1 {
		t.Fatalf("bob's: %+v", subs)
	}

	p := chat.PushSettings{Levels: map[string]chat.PushLevel{"r:a": chat.PushAll, "r:b": chat.PushNothing}, HideText: true}
	if err := push.SetSettings(ctx, st, "ann", p); err != nil {
		t.Fatal(err)
	}
	if err := push.SetSettings(ctx, st, "bob", chat.PushSettings{Levels: map[string]chat.PushLevel{"r:a": chat.PushAll}}); err != nil {
		t.Fatal(err)
	}
	got, err := push.Settings(ctx, st, "ann")
	if err != nil || !got.HideText || got.Level("r:b") != chat.PushNothing {
		t.Fatalf("settings = %+v, %v", got, err)
	}
	if all, _ := push.AllOf(ctx, st, "r:a"); len(all) != 2 {
		t.Fatalf("all of r:a = %v", all)
	}
	if err := push.SetSettings(ctx, st, "ann", chat.PushSettings{}); err != nil {
		t.Fatal(err)
	}
	if all, _ := push.AllOf(ctx, st, "r:a"); len(all) != 1 || all[0] != "bob" {
		t.Fatalf("all of r:a after ann's reset = %v", all)
	}
}
