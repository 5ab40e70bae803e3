package mrzreader_test

import (
	"fmt"
	"time"

	"github.com/xpt-pilot/xpt-kiosk/drivers"
	"github.com/xpt-pilot/xpt-kiosk/drivers/mrzreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/serialdev"
	"github.com/xpt-pilot/xpt-kiosk/drivers/sim"
)

// A simulated desko reader on a pseudo-terminal, read through the real
// serial path.
func Example() {
	s, err := sim.New(sim.Options{Kind: sim.KindMRZ, Profile: "desko"})
	if err != nil {
		panic(err)
	}
	defer s.Close()

	cfg := mrzreader.Config{
		Config:        serialdev.Config{Port: s.Path(), Baud: 9600},
		FramerOptions: mrzreader.FramerOptions{Profile: "desko"},
	}
	r, err := mrzreader.Open("mrzReader", cfg, nil)
	if err != nil {
		panic(err)
	}
	defer r.Close()
	for r.Health() != nil { // wait until the port is open
		time.Sleep(time.Millisecond)
	}

	s.PresentDocument(sim.Specimens[0], sim.Faults{Noise: true, Split: true})
	for ev := range r.Events() {
		if d, ok := ev.(drivers.Document); ok {
			fmt.Println(d.Lines[1])
			break
		}
	}
	// Output: L898902C36UTO7408122F1204159ZE184226B<<<<<10
}
