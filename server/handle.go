package server

import (
	"errors"
	"fmt"
	"html"
	"slices"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/auth"
	"github.com/founding/chat/server/metrics"
)

// handle serves one valid frame from the client, on the reader goroutine:
// a ping or a name at any time, any other frame once the session has a
// name, each by its entry in handlers.
func (ss *session) handle(f chat.Frame) {
	t := f.FrameType()
	if ss.user.Key == "" && t != chat.TypePing && t != chat.TypeNick {
		ss.conn.Reject(&chat.Error{Code: chat.CodeNeedName, Message: "pick a name first", Ref: t})
		return
	}
	serve := handlers[t]
	if serve == nil { // DecodeClient accepts no other type: TestEveryClientFrameHasAHandler
		ss.conn.SendError(&chat.Error{Code: chat.CodeUnknownType, Message: fmt.Sprintf("a client may not send %s frames", t), Ref: t})
		return
	}
	if err := serve(ss, f); err != nil {
		ss.conn.SendError(withRef(err, t))
	}
}

// handler serves one type of client frame for a session; an error it
// returns goes to the client as an error frame.
type handler struct {
	t     chat.Type
	serve func(ss *session, f chat.Frame) error
}

// on makes the handler of the frames of type F (a *E) from a function of
// one: the type comes from the frame, so no entry can serve another.
func on[E any, F interface {
	*E
	chat.Frame
}](serve func(*session, F) error) handler {
	return handler{F(new(E)).FrameType(), func(ss *session, f chat.Frame) error { return serve(ss, f.(F)) }}
}

// handlers serve every frame a client may send (chat.ClientTypes), by
// type, those of moderation (moderation.go) and groups (group.go) too;
// TestEveryClientFrameHasAHandler fails when one is missing.
var handlers = byType(append([]handler{
	on(func(ss *session, p *chat.Ping) error {
		ss.conn.SendFrame(&chat.Pong{N: p.N})
		return nil
	}),
	on(func(ss *session, n *chat.Nick) error {
		ss.nick(n)
		return nil
	}),
	on((*session).send),
	on(func(ss *session, f *chat.Join) error {
		_, err := ss.srv.hub.Join(ss.conn.Context(), ss.user.Key, f.Room)
		return err
	}),
	on(func(ss *session, f *chat.Leave) error {
		return ss.srv.hub.Leave(ss.conn.Context(), ss.user.Key, f.Conv)
	}),
	on(func(ss *session, f *chat.Open) error {
		info, err := ss.srv.hub.Open(ss.conn.Context(), ss.user.Key, f.With)
		if err == nil {
			ss.conn.SendFrame(&chat.Conv{ConvInfo: info})
		}
		return err
	}),
	on((*session).history),
	on((*session).resume),
	on(func(ss *session, f *chat.Read) error {
		return ss.srv.hub.MarkRead(ss.conn.Context(), ss.user.Key, f.Conv, f.Seq)
	}),
	on((*session).setPassword),
	on((*session).typing),
	on(func(ss *session, f *chat.Edit) error {
		return ss.act(f.ID, func() (chat.Ack, error) {
			return ss.srv.hub.Edit(ss.conn.Context(), ss.user.Key, f.Conv, f.Seq, f.Text, f.ID)
		})
	}),
	on(func(ss *session, f *chat.Delete) error {
		return ss.act(f.ID, func() (chat.Ack, error) {
			return ss.srv.hub.Delete(ss.conn.Context(), ss.user.Key, f.Conv, f.Seq, f.ID)
		})
	}),
	on(func(ss *session, f *chat.React) error {
		return ss.act(f.ID, func() (chat.Ack, error) {
			return ss.srv.hub.React(ss.conn.Context(), ss.user.Key, f.Conv, f.Seq, f.Emoji, f.On, f.ID)
		})
	}),
	on(func(ss *session, f *chat.Unpreview) error {
		return ss.act(f.ID, func() (chat.Ack, error) {
			return ss.srv.hub.Unpreview(ss.conn.Context(), ss.user.Key, f.Conv, f.Seq, f.ID)
		})
	}),
	on((*session).search),
	on(func(ss *session, f *chat.Follow) error {
		return ss.srv.hub.Follow(ss.conn.Context(), ss.user.Key, f.Conv, f.On)
	}),
	on((*session).preview),
}, slices.Concat(moderationHandlers, groupHandlers)...)...)

// byType indexes handlers by the type they serve.
func byType(hs ...handler) map[chat.Type]func(*session, chat.Frame) error {
	m := make(map[chat.Type]func(*session, chat.Frame) error, len(hs))
	for _, h := range hs {
		m[h.t] = h.serve
	}
	return m
}

// history serves a page of a conversation's history, as a costly request.
func (ss *session) history(f *chat.History) error {
	return ss.costly(chat.TypeHistory, func() (int, int, error) {
		p, err := ss.srv.hub.Page(ss.conn.Context(), ss.user.Key, *f)
		if err != nil {
			return 1, 0, err
		}
		return 1, ss.conn.SendReply(p), nil
	})
}

// resume serves what the client missed in the conversations it names, as a
// costly request.
func (ss *session) resume(f *chat.Resume) error {
	ss.srv.metrics.Resumed()
	return ss.costly(chat.TypeResume, func() (int, int, error) {
		frames, err := ss.srv.hub.Resume(ss.conn.Context(), ss.user.Key, f.Cursors)
		bytes := 0
		for _, p := range frames {
			bytes += ss.conn.SendReply(p)
		}
		return max(len(f.Cursors), 1), bytes, err
	})
}

// costly runs a request that reads storage and sends what it read (cost.go):
// in the user's turn, while the user's budget lasts, charged the lookups
// and the bytes serve reports. Over budget it is rate_limited with the time
// to wait.
func (ss *session) costly(t chat.Type, serve func() (lookups, bytes int, err error)) error {
	end, retry, err := ss.srv.costs.begin(ss.conn.Context(), ss.user.Key)
	switch {
	case err != nil:
		return chat.Errorf(chat.CodeInternal, "the server is shutting down; try again")
	case retry > 0:
		ss.srv.metrics.RateLimited(metrics.LimitReads)
		return &chat.Error{Code: chat.CodeRateLimited, Ref: t,
			Message: fmt.Sprintf("you are asking for history too fast; try again in %v", retryHint(retry))}
	}
	lookups, bytes, err := serve()
	end(lookups, bytes)
	return err
}

// retryHint rounds a wait up for people: tenths of a second under one,
// whole seconds above.
func retryHint(d time.Duration) time.Duration {
	if d < time.Second {
		return ((d + 99*time.Millisecond) / (100 * time.Millisecond)) * 100 * time.Millisecond
	}
	return ((d + time.Second - 1) / time.Second) * time.Second
}

func withRef(err error, t chat.Type) error {
	var ce *chat.Error
	if errors.As(err, &ce) && ce.Ref == "" {
		ce.Ref = t
	}
	return err
}

// nick gives the session its name and joins the user to the hub.
func (ss *session) nick(n *chat.Nick) {
	if ss.user.Key != "" {
		ss.conn.SendError(&chat.Error{Code: chat.CodeHasName, Message: "you already have a name", Ref: chat.TypeNick})
		return
	}
	name, err := chat.CleanName(n.Name)
	if err != nil {
		ss.conn.Reject(withRef(err, chat.TypeNick))
		return
	}
	ok, undo, wait := ss.srv.claims.take(ss.conn.Addr(), time.Now())
	if !ok {
		ss.srv.metrics.RateLimited(metrics.LimitNames)
		ss.conn.SendError(&chat.Error{Code: chat.CodeRateLimited, Ref: chat.TypeNick,
			Message: fmt.Sprintf("too many new names from your address; try again in %v, or sign in to a name you have", retryHint(wait))})
		return
	}
	u, code, err := ss.srv.accounts.Claim(ss.conn.Context(), ss.visit.Token, name)
	if err != nil {
		undo() // no new account: the claim costs nothing
	}
	var ce *chat.Error
	switch {
	case errors.Is(err, auth.ErrNameTaken):
		ss.conn.SendError(&chat.Error{Code: chat.CodeNameTaken, Message: "the name " + name + " is taken; pick another, or sign in if it is yours", Ref: chat.TypeNick})
		return
	case errors.Is(err, auth.ErrLooksTaken):
		ss.conn.SendError(&chat.Error{Code: chat.CodeNameTaken, Message: "the name " + name + " looks like a name that is taken; pick another", Ref: chat.TypeNick})
		return
	case errors.As(err, &ce): // the rules for new names
		ss.conn.SendError(withRef(ce, chat.TypeNick))
		return
	case errors.Is(err, auth.ErrHasName), errors.Is(err, auth.ErrNoSession):
		// Another tab of this browser picked a name with the same token, or
		// the token is too old to pick one: reconnecting brings the
		// browser's session, or a fresh token.
		ss.conn.Close(chat.CloseSignedOut.WithReason("this browser's session changed; reconnecting"))
		return
	case err != nil:
		ss.conn.Logger().Error("claiming a name failed", "err", err)
		ss.conn.SendError(&chat.Error{Code: chat.CodeInternal, Message: "the name could not be saved; try again", Ref: chat.TypeNick})
		return
	}
	// The code before the Welcome: the client exchanges it for the
	// session's cookie (chat.HandoverPath) before it reads on.
	ss.conn.SendFrame(&chat.Handover{Code: code})
	ss.join(u)
}

// setPassword sets or changes the user's password.
func (ss *session) setPassword(f *chat.SetPassword) error {
	if ss.token {
		return chat.Errorf(chat.CodeForbidden, "a connection with an access token cannot change the password")
	}
	err := ss.srv.accounts.SetPassword(ss.conn.Context(), ss.user.Key, f.Old, f.New)
	var tooMany *auth.TooManyAttempts
	switch {
	case errors.Is(err, auth.ErrWrongPassword):
		return chat.Errorf(chat.CodeBadPassword, "the current password is wrong")
	case errors.As(err, &tooMany):
		return chat.Errorf(chat.CodeRateLimited, "too many wrong passwords; try again in %v", tooMany.RetryAfter.Round(time.Second))
	case err != nil:
		ss.conn.Logger().Error("setting a password failed", "err", err)
		return chat.Errorf(chat.CodeInternal, "the password could not be saved; try again")
	}
	ss.user.HasPassword = true
	ss.srv.hub.PasswordSet(ss.user.Key)
	ss.conn.SendFrame(&chat.Account{Me: html.EscapeString(ss.user.Name), Password: true})
	// Whoever knew the old password may hold a session: every other one ends.
	ended, err := ss.srv.accounts.EndOtherSessions(ss.conn.Context(), ss.user.Key, ss.visit.Group)
	ss.srv.endGroups(ss.conn.Context(), ended, chat.CloseSignedOut.WithReason(chat.ReasonPasswordChanged), true)
	if err != nil {
		ss.conn.Logger().Error("ending the other sessions after a password change failed", "err", err)
		return chat.Errorf(chat.CodeInternal, "the password is changed, but other devices may still be signed in; sign them out from the account panel")
	}
	return nil
}

// send posts a message, under the per-user rate limit, and acks it.
func (ss *session) send(f *chat.Send) error {
	return ss.act(f.ID, func() (chat.Ack, error) {
		if f.To != "" {
			return ss.srv.hub.PostTo(ss.conn.Context(), ss.user.Key, f.To, f.Text, f.ID, f.Files...)
		}
		return ss.srv.hub.PostThread(ss.conn.Context(), ss.user.Key, f.Conv, f.Text, f.Reply, f.Also, f.ID, f.Files...)
	})
}

// act stores what a client sent under message id (a message, an edit, a
// delete, a reaction: each is an entry), under the per-user and per-address
// message rates, and acks it. Every error names the id.
func (ss *session) act(id chat.MsgID, store func() (chat.Ack, error)) error {
	if ss.unstored {
		return nil // resent after the reconnect, in order (storeFailed)
	}
	ss.srv.metrics.MessageReceived()
	if !ss.srv.messageAllowed(ss.user.Key, ss.conn.Addr()) {
		ss.srv.metrics.RateLimited(metrics.LimitMessages)
		return &chat.Error{Code: chat.CodeRateLimited, Message: "you are sending too fast; the message will be retried", ID: &id}
	}
	ack, err := store()
	if err != nil {
		var ce *chat.Error
		if errors.As(err, &ce) && ce.Code == chat.CodeInternal {
			ss.storeFailed()
			return nil
		}
		if ce != nil && ce.ID == nil {
			ce.ID = &id
		}
		return err
	}
	ss.conn.SendFrame(&ack)
	return nil
}

// storeFailed answers a message the log could not store (NATS out of
// reach): not with an error, which a client would take as the message's
// end, but by closing the connection to be tried again later. The client
// keeps the message and every later one in its outbox, and resends them
// in order, under their own ids, once a node can store them again: the
// log stores each once (a resend of one that was stored after all gets
// its first ack), and none overtakes another.
func (ss *session) storeFailed() {
	ss.unstored = true
	ss.conn.Close(chat.CloseTryAgain.WithReason("the server could not store messages; reconnect"))
}
