package chat_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
)

func TestActiveRoundTrip(t *testing.T) {
	t.Parallel()
	b, err := chat.Encode(&chat.Active{})
	if err != nil || string(b) != `{"type":"active"}` {
		t.Fatalf("Encode = %s, %v", b, err)
	}
	f, err := chat.DecodeClient(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.(*chat.Active); !ok {
		t.Fatalf("decoded %T", f)
	}
	if _, err := chat.DecodeServer(b); err == nil {
		t.Error("a server may not send active")
	}
}

func TestPushSubscriptionValidate(t *testing.T) {
	t.Parallel()
	p256 := "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
	auth := "tBHItJI5svbpez7KI4CCXg"
	good := chat.PushSubscription{Endpoint: "https://push.example.com/x", Keys: chat.PushSubscrKeys{P256dh: p256, Auth: auth}}
	if err := good.Validate(); err != nil {
		t.Fatalf("good: %v", err)
	}
	for name, s := range map[string]chat.PushSubscription{
		"noEndpoint": {Keys: good.Keys},
		"shortKey":   {Endpoint: good.Endpoint, Keys: chat.PushSubscrKeys{P256dh: p256[:40], Auth: auth}},
		"badAuth":    {Endpoint: good.Endpoint, Keys: chat.PushSubscrKeys{P256dh: p256, Auth: "***"}},
		"longAuth":   {Endpoint: good.Endpoint, Keys: chat.PushSubscrKeys{P256dh: p256, Auth: auth + "AAAA"}},
	} {
		if err := s.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// The JSON is PushSubscription.toJSON()'s.
	var s chat.PushSubscription
	if err := json.Unmarshal([]byte(`{"endpoint":"https://e/1","expirationTime":null,"keys":{"p256dh":"`+p256+`","auth":"`+auth+`"}}`), &s); err != nil || s.Validate() != nil {
		t.Errorf("toJSON form: %v %v", err, s.Validate())
	}
}

func TestPushSettings(t *testing.T) {
	t.Parallel()
	p := chat.PushSettings{Levels: map[string]chat.PushLevel{"r:a": chat.PushAll, "r:b": chat.PushNothing}, Quiet: chat.Quiet{From: 22 * 60, To: 7 * 60, Zone: "Europe/Paris"}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if p.Level("r:a") != chat.PushAll || p.Level("r:c") != chat.PushMentions {
		t.Error("levels")
	}
	b, _ := json.Marshal(p)
	var back chat.PushSettings
	if err := json.Unmarshal(b, &back); err != nil || back.Level("r:b") != chat.PushNothing || back.Quiet != p.Quiet {
		t.Errorf("round trip: %s -> %+v %v", b, back, err)
	}
	for name, bad := range map[string]chat.PushSettings{
		"level":  {Levels: map[string]chat.PushLevel{"r:a": "loud"}},
		"conv":   {Levels: map[string]chat.PushLevel{"": chat.PushAll}},
		"minute": {Quiet: chat.Quiet{From: 1440}},
		"until":  {Quiet: chat.Quiet{Until: -1}},
	} {
		if bad.Validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestQuietAt(t *testing.T) {
	t.Parallel()
	at := func(h, m int) time.Time { return time.Date(2026, 12, 7, h, m, 0, 0, time.UTC) }
	night := chat.Quiet{From: 22 * 60, To: 7 * 60}
	day := chat.Quiet{From: 9 * 60, To: 17 * 60}
	cases := []struct {
		q    chat.Quiet
		t    time.Time
		want bool
	}{
		{night, at(23, 0), true}, {night, at(3, 0), true}, {night, at(7, 0), false}, {night, at(12, 0), false},
		{day, at(9, 0), true}, {day, at(16, 59), true}, {day, at(17, 0), false}, {day, at(8, 0), false},
		{chat.Quiet{}, at(3, 0), false},
		{chat.Quiet{Until: at(12, 0).UnixMilli()}, at(11, 0), true},
		{chat.Quiet{Until: at(12, 0).UnixMilli()}, at(13, 0), false},
	}
	for i, c := range cases {
		if got := c.q.QuietAt(c.t, nil); got != c.want {
			t.Errorf("%d: QuietAt(%v) = %v", i, c.t, got)
		}
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no zone data")
	}
	if !night.QuietAt(at(22, 30), paris) || night.QuietAt(at(6, 30), paris) { // 23:30 and 07:30 in Paris
		t.Error("zone not applied")
	}
}
