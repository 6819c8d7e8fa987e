package memory

import (
	"slices"
	"sync"
)

// watchers is the fan-out behind Log.Watch, Presence.Watch and
// Typing.Watch: the functions every published value is handed to. The
// list is copied on add and remove, never changed in place, so send reads
// it without copying and calls the functions with no lock held: one may
// add or remove watchers. Its zero value is empty and ready; it is safe
// for concurrent use.
type watchers[T any] struct {
	mu   sync.Mutex
	list []*func(T)
}

// add starts handing values to fn and returns what stops it.
func (w *watchers[T]) add(fn func(T)) (stop func()) {
	p := &fn
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(slices.Clip(w.list), p)
	return func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.list = slices.DeleteFunc(slices.Clone(w.list), func(q *func(T)) bool { return q == p })
	}
}

// send hands v to every watcher, in the order they were added. A watcher
// stopped while send runs may still get v.
func (w *watchers[T]) send(v T) {
	w.mu.Lock()
	list := w.list
	w.mu.Unlock()
	for _, fn := range list {
		(*fn)(v)
	}
}
