//go:build unix

package chattest

import "syscall"

// fixReceiveBuffer sets a socket's receive buffer to clientReceiveBuffer,
// which also turns off the kernel's growing of it: how much a tab that
// stops reading holds in the network then does not depend on the
// machine's tcp_rmem (32 MB on some), so the server's queue fills after
// the same few megabytes everywhere.
func fixReceiveBuffer(network, address string, c syscall.RawConn) error {
	var serr error
	err := c.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, clientReceiveBuffer)
	})
	if err != nil {
		return err
	}
	return serr
}
