package client

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"sync"

	"github.com/founding/chat/app/chat"
)

// Local is what a browser profile keeps of the chat between visits and
// shares between its tabs: the saved conversations (Saved) and the outbox,
// the messages written and not yet acknowledged. In the browser it lives in
// IndexedDB (local_js.go), so that it survives a reload, closing the tab
// and restarting the browser; elsewhere in memory (local_notjs.go), shared
// by every Local of one name in the process the way tabs share a profile.
//
// The outbox is one per profile, but a message id names a device and a
// counter that the server requires to grow (its high-water mark per device),
// so that two tabs never write under one device: each tab takes a device of
// its own with TakeDevice, held with a Web Lock for as long as the page
// lives, and only the holder of a device sends its messages. Devices are
// reused: a new page takes a free one. When a tab goes away with messages
// still waiting, its device's lock is freed and another tab takes the
// messages over with Adopt, under their own ids, in their order; if the old
// tab had written some of them already, the server's deduplication makes
// the second send harmless. A message can be cancelled (Cancel) while it has
// never gone over the wire; Wire marks messages as going out, atomically
// with respect to Cancel in any tab.
//
// Every method blocks until its work is done (IndexedDB is asynchronous):
// call them off the UI goroutine, as the Session does (its queue). A UI
// goroutine that waits lets the browser go on with an event before its
// handler ran, so that a form's submit, say, reloads the page. A Local may
// be used by several goroutines.
type Local struct {
	b backend

	mu   sync.Mutex
	own  string          // this tab's device, once taken
	held map[string]bool // devices whose messages this tab sends: its own and adopted ones
}

// backend is where a Local keeps its data: IndexedDB (local_js.go) or
// memory (local_notjs.go). Its methods block.
type backend interface {
	// tryLock takes the exclusive lock of device if it is free, and holds
	// it until unlock or until the page (the backend) goes away. Without
	// exclusive locks (a browser without Web Locks) it always succeeds:
	// each page then writes under a new device, and adopts every waiting
	// message, which the server's deduplication makes safe.
	tryLock(device string) bool
	exclusive() bool
	unlock(device string)

	devices() (map[string]uint64, error) // device -> last counter used
	records() ([]record, error)
	// add stores a new message and raises its device's last counter.
	add(r record) error
	// update replaces a message that is still stored.
	update(r record) error
	remove(ids []chat.MsgID) error
	// wire marks the stored messages of ids as gone over the wire and
	// returns those that were stored; cancel deletes a message that has
	// not, and reports whether it did. Both are atomic.
	wire(ids []chat.MsgID) ([]chat.MsgID, error)
	cancel(id chat.MsgID) (bool, error)

	meta() (string, error) // Saved as JSON, or ""
	putMeta(json string) error
	convs() ([]string, error) // SavedConv as JSON
	putConv(id, json string) error
	removeConvs(ids []string) error
	clear() error

	broadcast(c Change)
	onBroadcast(f func(Change))
	close()
}

// OpenLocal opens the store name of this browser profile (of this process
// outside a browser). It fails with ErrNoLocal when the browser keeps
// nothing.
func OpenLocal(name string) (*Local, error) {
	b, err := openBackend(name)
	if err != nil {
		return nil, err
	}
	return &Local{b: b, held: make(map[string]bool)}, nil
}

// Close lets the store go, and with it the devices this tab held, as
// closing the tab would.
func (l *Local) Close() { l.b.close() }

// TakeDevice returns the device this tab writes its messages under: a
// device of the profile that no live tab holds (the one this tab had
// before a reload, usually), or a new one. last is the highest counter the
// device has used; mine are its messages that wait to be sent, in order.
// Later calls return the same device.
func (l *Local) TakeDevice() (id string, last uint64, mine []*Outgoing, err error) {
	devices, err := l.b.devices()
	if err != nil {
		return "", 0, nil, err
	}
	l.mu.Lock()
	own := l.own
	l.mu.Unlock()
	if own == "" {
		ids := make([]string, 0, len(devices))
		for d := range devices {
			ids = append(ids, d)
		}
		sort.Strings(ids)
		for _, d := range ids {
			if l.b.exclusive() && l.b.tryLock(d) {
				own = d
				break
			}
		}
		if own == "" {
			own = newDeviceID()
			if !l.b.tryLock(own) {
				return "", 0, nil, errors.New("client: a new device is locked already")
			}
		}
		l.mu.Lock()
		l.own, l.held[own] = own, true
		l.mu.Unlock()
	}
	recs, err := l.b.records()
	if err != nil {
		return "", 0, nil, err
	}
	for _, r := range recs {
		if r.Device == own {
			mine = append(mine, r.outgoing())
		}
	}
	sortOutgoing(mine)
	return own, devices[own], mine, nil
}

// Adopt takes over the messages of user that wait under devices no live
// tab holds (a closed tab's, or one whose page was reloaded into another
// device), taking those devices' locks; it returns them in the order each
// device must send them. Release a device when its messages are done.
func (l *Local) Adopt(user string) ([]*Outgoing, error) {
	recs, err := l.b.records()
	if err != nil {
		return nil, err
	}
	waiting := make(map[string][]*Outgoing)
	for _, r := range recs {
		waiting[r.Device] = append(waiting[r.Device], r.outgoing())
	}
	var out []*Outgoing
	for device, list := range waiting {
		l.mu.Lock()
		held := l.held[device]
		l.mu.Unlock()
		mine := forUser(list, user)
		if held || len(mine) == 0 || !l.b.tryLock(device) {
			continue
		}
		l.mu.Lock()
		l.held[device] = true
		l.mu.Unlock()
		out = append(out, mine...)
	}
	sortOutgoing(out)
	return out, nil
}

// Release gives back an adopted device whose messages are all sent, so
// that a new page may take it. The tab's own device stays held.
func (l *Local) Release(device string) {
	l.mu.Lock()
	release := l.held[device] && device != l.own
	delete(l.held, device)
	if device == l.own {
		l.held[device] = true
	}
	l.mu.Unlock()
	if release {
		l.b.unlock(device)
	}
}

// Holds reports whether this tab sends the messages of device.
func (l *Local) Holds(device string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.held[device]
}

// Others returns the messages of user that wait in other live tabs and
// have not gone over the wire: this tab shows them, their tab sends them.
func (l *Local) Others(user string) ([]*Outgoing, error) {
	recs, err := l.b.records()
	if err != nil {
		return nil, err
	}
	var out []*Outgoing
	for _, r := range recs {
		if r.User == user && !r.Wired && r.Failed == "" && !l.Holds(r.Device) {
			out = append(out, r.outgoing())
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Time < out[j].Time })
	return out, nil
}

// Add stores a message just written.
func (l *Local) Add(o *Outgoing) error { return l.b.add(toRecord(o)) }

// Update stores what changed of a message (gone over the wire, failed)
// if it is still stored: one cancelled meanwhile stays cancelled.
func (l *Local) Update(o *Outgoing) error { return l.b.update(toRecord(o)) }

// Delete forgets messages: acknowledged, discarded, or sent under a new id.
func (l *Local) Delete(ids ...chat.MsgID) error {
	if len(ids) == 0 {
		return nil
	}
	return l.b.remove(ids)
}

// Wire marks the messages of ids as going over the wire now, so that no
// tab can cancel them any more, and returns those still stored: a message
// missing was cancelled (in another tab) and must not be sent.
func (l *Local) Wire(ids []chat.MsgID) ([]chat.MsgID, error) { return l.b.wire(ids) }

// Cancel deletes a message that has not gone over the wire, and reports
// whether it did.
func (l *Local) Cancel(id chat.MsgID) (bool, error) { return l.b.cancel(id) }

// Load returns the saved conversations (the zero Saved when there are none).
func (l *Local) Load() (Saved, error) {
	var s Saved
	meta, err := l.b.meta()
	if err != nil || meta == "" {
		return s, err
	}
	if err := json.Unmarshal([]byte(meta), &s); err != nil {
		return Saved{}, nil // unreadable: start afresh
	}
	convs, err := l.b.convs()
	if err != nil {
		return Saved{}, err
	}
	for _, text := range convs {
		if c, err := decodeConv(text); err == nil && c.Info.ID != "" {
			s.Convs = append(s.Convs, c)
		}
	}
	return s, nil
}

// SaveMeta saves who the user is and the conversation in view (s.Convs is
// saved by SaveConv).
func (l *Local) SaveMeta(s Saved) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return l.b.putMeta(string(b))
}

// SaveConv saves one conversation.
func (l *Local) SaveConv(c SavedConv) error {
	text, err := encodeConv(c)
	if err != nil {
		return err
	}
	return l.b.putConv(c.Info.ID, text)
}

// DeleteConvs forgets saved conversations.
func (l *Local) DeleteConvs(ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	return l.b.removeConvs(ids)
}

// Forget deletes everything the profile kept: conversations and outbox
// (signing out, for the next person at a shared computer).
func (l *Local) Forget() error { return l.b.clear() }

// Announce tells the profile's other tabs that something changed.
func (l *Local) Announce(c Change) { l.b.broadcast(c) }

// OnChange calls f with what other tabs announce, from a goroutine of its
// own.
func (l *Local) OnChange(f func(Change)) { l.b.onBroadcast(f) }

// Change is what another tab of the profile announces: its outbox or its
// saved conversations changed. Wired lists messages it is writing to the
// server now: a page that shows them as waiting stops at once, before their
// entries can come back.
type Change struct {
	Wired []chat.MsgID `json:"wired,omitempty"`
}

// Errors of Local.
var (
	// ErrNoLocal means the browser keeps nothing (no IndexedDB, or storage
	// refused, as in some private windows): the chat works, without
	// offline history or an outbox that survives the page.
	ErrNoLocal = errors.New("client: this browser keeps no data for the chat")
	// ErrLocalClosed is returned after Close.
	ErrLocalClosed = errors.New("client: local store closed")
)

// record is an outbox message as stored.
type record struct {
	Device string `json:"d"`
	N      uint64 `json:"n"`
	User   string `json:"u"`
	Conv   string `json:"c,omitempty"`
	To     string `json:"to,omitempty"`
	Text   string `json:"text"`
	Time   int64  `json:"t"`
	Wired  bool   `json:"w,omitempty"`
	Failed string `json:"f,omitempty"`
	Action string `json:"x,omitempty"` // an action's Action as JSON (actions.go), "" for a message
	// Files are the message's attachments, uploaded before it was written.
	Files []chat.File `json:"files,omitempty"`
	// Uploads are its files that wait to be uploaded, with their bytes.
	Uploads []Upload `json:"up,omitempty"`
}

func toRecord(o *Outgoing) record {
	return record{Device: o.ID.Device, N: o.ID.N, User: o.User, Conv: o.Conv, To: o.To, Text: o.Text,
		Time: o.Time, Wired: o.Wired || o.InFlight, Failed: o.Failed, Action: actionJSON(o.Action), Files: slices.Clone(o.Files),
		Uploads: slices.Clone(o.Uploads)}
}

func (r record) outgoing() *Outgoing {
	o := &Outgoing{ID: chat.MsgID{Device: r.Device, N: r.N}, User: r.User, Conv: r.Conv, To: r.To,
		Text: r.Text, Time: r.Time, Wired: r.Wired, Failed: r.Failed, Files: slices.Clone(r.Files),
		Uploads: slices.Clone(r.Uploads)}
	a, err := parseAction(r.Action)
	if err != nil {
		// Unreadable (a newer page's?): shown as failed, never sent.
		a = Action{Kind: chat.TypeEdit, FailCode: chat.CodeBadJSON}
		o.Failed = "this change could not be read back"
	}
	o.Action = a
	return o
}

// sortOutgoing orders messages by device, then by counter: the order in
// which each device's messages must be sent.
func sortOutgoing(list []*Outgoing) {
	sort.Slice(list, func(i, j int) bool {
		if list[i].ID.Device != list[j].ID.Device {
			return list[i].ID.Device < list[j].ID.Device
		}
		return list[i].ID.N < list[j].ID.N
	})
}

// newDeviceID returns a random device id (chat.MsgID allows 8–64 of
// A-Z a-z 0-9 _ -).
func newDeviceID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// encodeConv and decodeConv store a conversation as JSON text: one string
// crosses into JavaScript much faster than a tree of objects.
func encodeConv(c SavedConv) (string, error) {
	b, err := json.Marshal(c)
	return string(b), err
}

func decodeConv(s string) (SavedConv, error) {
	var c SavedConv
	err := json.Unmarshal([]byte(s), &c)
	return c, err
}

// forUser returns the messages of list written by user.
func forUser(list []*Outgoing, user string) []*Outgoing {
	var out []*Outgoing
	for _, o := range list {
		if o.User == user {
			out = append(out, o)
		}
	}
	return out
}
