//go:build !unix

package chattest

import "syscall"

// fixReceiveBuffer leaves the socket as it is where SO_RCVBUF cannot be
// set this way.
func fixReceiveBuffer(network, address string, c syscall.RawConn) error { return nil }
