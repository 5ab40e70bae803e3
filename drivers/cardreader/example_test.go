package cardreader_test

import (
	"errors"
	"fmt"
	"net"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/cardreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/serialdev"
)

// The transport is injected: here one end of an in-memory pipe. A card
// held in the field (the frame repeated) is one presentation.
func ExampleNew() {
	reader, device := net.Pipe()
	used := false
	open := func() (serialdev.Transport, error) {
		if used {
			return nil, errors.New("the pipe is gone")
		}
		used = true
		return reader, nil
	}
	r, err := cardreader.New("cardReader", open, cardreader.FramerOptions{Profile: "em4100"}, cardreader.Options{})
	if err != nil {
		panic(err)
	}
	defer r.Close()

	frame := "\x0262E3086CED08\x03" // an RDM6300 frame
	go device.Write([]byte(frame + frame + frame))
	c := (<-r.Events()).(drivers.Card)
	fmt.Println(c.Tag)
	// Output: 62E3086CED
}
