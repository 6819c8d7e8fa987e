package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/auth"
	"github.com/founding/chat/server/push"
	"github.com/founding/chat/server/safehttp"
)

// PushOptions configure Web Push (package push, docs/push.md).
type PushOptions struct {
	// Contact is the VAPID subject push services may write to about this
	// server: a mailto: or https: URL (-push-contact). Empty turns push
	// off: the routes answer 404 and nothing is pushed.
	Contact string
	// LoopbackHTTP accepts subscriptions whose endpoint is http on a
	// loopback address: for tests, whose push service has no TLS.
	LoopbackHTTP bool
	// TTL is how long a push service keeps a push for an offline device.
	// Defaults to 24 hours.
	TTL time.Duration
	// Timeout bounds one request to a push service. Defaults to 10s.
	Timeout time.Duration
	// RetryBase is the first wait before a push is retried. Defaults to 1s.
	RetryBase time.Duration
}

// checkContact refuses a contact that is no mailto: or https: URL.
func checkContact(c string) error {
	if c == "" || strings.HasPrefix(c, "mailto:") && strings.Contains(c, "@") || strings.HasPrefix(c, "https://") {
		return nil
	}
	return fmt.Errorf("server: the push contact %q must be a mailto: or https: URL", c)
}

// pushing is the server's Web Push: keys, sender and notifier.
type pushing struct {
	store    push.Store
	keys     push.Keys
	sender   *push.Sender
	notifier *push.Notifier
}

// startPush loads (or makes) the VAPID keys and starts the sender and the
// notifier, when push is on.
func (s *Server) startPush(m *push.Metrics) error {
	o := s.opts.Push
	if o.Contact == "" || s.opts.Storage.Push == nil {
		return nil
	}
	if err := checkContact(o.Contact); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	keys, err := push.LoadKeys(ctx, s.opts.Storage.Push)
	for errors.Is(err, nats.ErrNoResponders) && ctx.Err() == nil {
		// A cluster's JetStream that does not answer yet (its servers
		// still electing a leader): ask again until the 30 s are out.
		time.Sleep(200 * time.Millisecond)
		keys, err = push.LoadKeys(ctx, s.opts.Storage.Push)
	}
	if err != nil {
		return fmt.Errorf("server: the VAPID keys: %w", err)
	}
	p := &pushing{store: s.opts.Storage.Push, keys: keys}
	client := safehttp.New(safehttp.Options{Timeout: o.Timeout, MaxRedirects: -1, AllowLoopback: o.LoopbackHTTP})
	p.sender = push.NewSender(push.SenderOptions{Keys: keys, Contact: o.Contact, Store: p.store, Client: client.HTTP(),
		Timeout: o.Timeout, RetryBase: o.RetryBase, Metrics: m, Logger: s.log})
	p.notifier = push.NewNotifier(push.NotifierOptions{
		Store: p.store, Directory: s.opts.Storage.Directory, Send: p.sender.Send, TTL: o.TTL, Metrics: m, Logger: s.log,
		FindUser: func(ctx context.Context, name string) (string, error) {
			u, err := s.accounts.Find(ctx, name)
			return u.Key, err
		},
		LiveGroups: func(ctx context.Context, user string) ([]string, error) {
			list, err := s.accounts.Sessions(ctx, user)
			groups := make([]string, 0, len(list))
			for _, d := range list {
				groups = append(groups, d.Group)
			}
			return groups, err
		},
	})
	s.metrics.Register(m.Collectors(func() float64 { return float64(p.sender.Queued() + p.notifier.Queued()) })...)
	s.push = p
	return nil
}

// stopPush stops deciding and sending; what waits is dropped.
func (s *Server) stopPush() {
	if s.push != nil {
		s.push.notifier.Close()
		s.push.sender.Close()
	}
}

// pushStored hands an entry this node stored to the notifier (the hub's
// Options.Stored): only the node that appended an entry decides its
// pushes, so each device gets one.
func (s *Server) pushStored(e chat.Entry, sender string) {
	if s.push != nil {
		s.push.notifier.Stored(e, sender)
	}
}

// pushFollowed keeps who follows a thread for Web Push (the hub's
// Options.Followed).
func (s *Server) pushFollowed(ctx context.Context, thread, key string, on bool) error {
	if s.push == nil {
		return nil
	}
	return push.SetFollowing(ctx, s.push.store, thread, key, on)
}

// routePush adds the push routes (chat.PushKeyPath and the rest).
func (s *Server) routePush() {
	s.mux.HandleFunc("GET "+chat.PushKeyPath, s.pushOn(s.servePushKey))
	s.mux.HandleFunc("GET "+chat.PushSubscriptionPath, s.pushOn(s.servePushDevices))
	s.mux.HandleFunc("POST "+chat.PushSubscriptionPath, sameOrigin(s.pushOn(s.servePushSubscribe)))
	s.mux.HandleFunc("DELETE "+chat.PushSubscriptionPath, sameOrigin(s.pushOn(s.servePushUnsubscribe)))
	s.mux.HandleFunc("GET "+chat.PushSettingsPath, s.pushOn(s.servePushSettings))
	s.mux.HandleFunc("POST "+chat.PushSettingsPath, sameOrigin(s.pushOn(s.serveSetPushSettings)))
}

// pushOn serves a push route with next, or answers 404 when push is off.
func (s *Server) pushOn(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.push == nil {
			reply(w, http.StatusNotFound, apiReply{Error: "this server sends no push notifications (it was started without -push-contact)"})
			return
		}
		next(w, r)
	}
}

func (s *Server) servePushKey(w http.ResponseWriter, _ *http.Request) {
	reply(w, http.StatusOK, chat.PushKey{Key: s.push.keys.Public})
}

// servePushSubscribe keeps the subscription of this browser session,
// replacing its earlier one.
func (s *Server) servePushSubscribe(w http.ResponseWriter, r *http.Request) {
	var sub chat.PushSubscription
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&sub); err != nil {
		reply(w, http.StatusBadRequest, apiReply{Error: "send the JSON of PushSubscription.toJSON()"})
		return
	}
	err := sub.Validate()
	if err == nil {
		err = push.CheckEndpoint(sub.Endpoint, s.opts.Push.LoopbackHTTP)
	}
	if err != nil {
		reply(w, http.StatusBadRequest, apiReply{Error: err.(*chat.Error).Message})
		return
	}
	v, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	if err := push.Subscribe(r.Context(), s.push.store, v.User.Key, push.Subscription{
		Endpoint: sub.Endpoint, P256dh: sub.Keys.P256dh, Auth: sub.Keys.Auth, Group: v.Group, Browser: auth.Browser(r.UserAgent()),
	}); err != nil {
		s.pushFailed(w, "keep the subscription", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// servePushUnsubscribe drops this browser session's subscription, or
// with ?id= that of another session of the user (an id of
// chat.PushDevices).
func (s *Server) servePushUnsubscribe(w http.ResponseWriter, r *http.Request) {
	v, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	group := v.Group
	if id := r.URL.Query().Get("id"); id != "" {
		group = id // only the user's own subscriptions are looked at
	}
	if _, err := push.Unsubscribe(r.Context(), s.push.store, v.User.Key, push.ForGroups(group)); err != nil {
		s.pushFailed(w, "remove the subscription", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// servePushDevices lists the user's sessions that have push, and drops
// the subscriptions of sessions that ended.
func (s *Server) servePushDevices(w http.ResponseWriter, r *http.Request) {
	v, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	live, err := s.accounts.Sessions(r.Context(), v.User.Key)
	if err != nil {
		s.pushFailed(w, "list your devices", err)
		return
	}
	groups := make([]string, 0, len(live))
	for _, d := range live {
		groups = append(groups, d.Group)
	}
	if _, err := push.Unsubscribe(r.Context(), s.push.store, v.User.Key, push.Live(groups)); err != nil {
		s.pushFailed(w, "list your devices", err)
		return
	}
	subs, err := push.Subscriptions(r.Context(), s.push.store, v.User.Key)
	if err != nil {
		s.pushFailed(w, "list your devices", err)
		return
	}
	out := chat.PushDevices{Devices: []chat.PushDevice{}}
	for _, sub := range subs {
		out.Devices = append(out.Devices, chat.PushDevice{ID: sub.Group, Browser: sub.Browser, Created: sub.Created, Current: sub.Group == v.Group})
	}
	reply(w, http.StatusOK, out)
}

func (s *Server) servePushSettings(w http.ResponseWriter, r *http.Request) {
	v, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	p, err := push.Settings(r.Context(), s.push.store, v.User.Key)
	if err != nil {
		s.pushFailed(w, "read your settings", err)
		return
	}
	reply(w, http.StatusOK, p)
}

func (s *Server) serveSetPushSettings(w http.ResponseWriter, r *http.Request) {
	var p chat.PushSettings
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&p); err != nil {
		reply(w, http.StatusBadRequest, apiReply{Error: "send the JSON of the settings"})
		return
	}
	if err := p.Validate(); err != nil {
		reply(w, http.StatusBadRequest, apiReply{Error: err.(*chat.Error).Message})
		return
	}
	if _, err := time.LoadLocation(p.Quiet.Zone); err != nil {
		reply(w, http.StatusBadRequest, apiReply{Error: fmt.Sprintf("no time zone is called %q", p.Quiet.Zone)})
		return
	}
	v, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	if err := push.SetSettings(r.Context(), s.push.store, v.User.Key, p); err != nil {
		s.pushFailed(w, "keep your settings", err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) pushFailed(w http.ResponseWriter, what string, err error) {
	s.log.Error("push: could not "+what, "err", err)
	reply(w, http.StatusInternalServerError, apiReply{Error: "the server could not " + what + "; try again"})
}

// dropPush removes the subscriptions of browser sessions that ended now
// (sign-out, a device signed out); the notifier drops any other ended
// one before it pushes.
func (s *Server) dropPush(ctx context.Context, user string, groups []string) {
	if s.push == nil || user == "" || len(groups) == 0 {
		return
	}
	if _, err := push.Unsubscribe(ctx, s.push.store, user, push.ForGroups(groups...)); err != nil && !errors.Is(err, context.Canceled) {
		s.log.Error("push: the subscriptions of ended sessions were not removed; they go before the next push", "err", err)
	}
}

// active serves chat.Active: the user is using this tab.
func (ss *session) active(*chat.Active) error {
	if ss.srv.push == nil {
		return nil
	}
	if err := ss.srv.push.notifier.Active(ss.conn.Context(), ss.user.Key); err != nil {
		ss.srv.log.Error("push: activity not recorded", "err", err)
		return chat.Errorf(chat.CodeInternal, "the server could not note that you are here: a push may reach you meanwhile")
	}
	return nil
}

func init() {
	h := on((*session).active)
	handlers[h.t] = h.serve
}
