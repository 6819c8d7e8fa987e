package main

import (
	"bytes"
	"fmt"
)

// A payload is the text of one load message: a marker, the message's
// number and its send time, padded to the wanted size with 'x'. Only
// digits and letters, so the server's escaping leaves it as it is, and the
// receiver finds it with a byte search in whatever frame carries it (one
// entry, a batch of them, or the control server's newline-joined text).
//
//	BNCH<10-digit id>:<19-digit Unix ns>xxxx…
const (
	marker     = "BNCH"
	idDigits   = 10
	timeDigits = 19
	minPayload = len(marker) + idDigits + 1 + timeDigits
)

// makePayload returns the payload of message id sent at sentNs, size bytes
// long (at least minPayload).
func makePayload(id uint64, sentNs int64, size int) []byte {
	b := fmt.Appendf(make([]byte, 0, max(size, minPayload)), "%s%0*d:%0*d", marker, idDigits, id, timeDigits, sentNs)
	for len(b) < size {
		b = append(b, 'x')
	}
	return b
}

// scanPayloads calls fn with the id and send time of every payload in data.
func scanPayloads(data []byte, fn func(id uint64, sentNs int64)) {
	m := []byte(marker)
	for {
		i := bytes.Index(data, m)
		if i < 0 {
			return
		}
		data = data[i+len(m):]
		if len(data) < idDigits+1+timeDigits || data[idDigits] != ':' {
			continue
		}
		id, ok1 := digits(data[:idDigits])
		ns, ok2 := digits(data[idDigits+1 : idDigits+1+timeDigits])
		if ok1 && ok2 {
			fn(id, int64(ns))
		}
		data = data[idDigits+1+timeDigits:]
	}
}

func digits(b []byte) (uint64, bool) {
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}
