package cardsim

import (
	"net"
	"syscall"
)

// quickAck turns delayed acknowledgements off on a TCP connection. vpcd
// writes each message's length and bytes in two sends; with Nagle on its
// side and delayed ACKs on ours every command would wait 40 ms for the
// acknowledgement of its length. Linux resets the option after some
// receives, so Serve sets it again after each message.
func quickAck(c net.Conn) {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return
	}
	raw.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_QUICKACK, 1)
	})
}
