package sim

import (
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/xpt-pilot/xpt-kiosk/drivers/cardreader"
	"github.com/xpt-pilot/xpt-kiosk/drivers/mrzreader"
)

// Bytes that frame the readers' protocols (see docs/devices.md).
const (
	soh = 0x01
	stx = 0x02
	etx = 0x03
	lf  = 0x0A
	cr  = 0x0D
	// DeskoSOD and DeskoEOD are the device bytes a desko reader sends
	// around a frame on a CUTE line; any byte but STX and ETX would do.
	DeskoSOD = 0x1C
	DeskoEOD = 0x1D
	// flag3M is the FLAG byte of the 3m frame; its meaning is not known to
	// us and drivers ignore it.
	flag3M = '0'
)

// MRZProfiles and CardProfiles are the profiles the simulators speak: every
// profile the drivers' framers know (TestEncodeDecode fails for one the
// encoders below do not speak).
var (
	MRZProfiles  = mrzreader.Profiles
	CardProfiles = cardreader.Profiles
)

// EncodeMRZ returns a document as a reader of profile sends it.
func EncodeMRZ(profile string, lines []string) ([]byte, error) {
	if len(lines) < 1 || len(lines) > 3 {
		return nil, fmt.Errorf("a document has 2 or 3 lines, got %d", len(lines))
	}
	var b []byte
	switch profile {
	case "desko":
		b = append(b, DeskoSOD, stx)
		for _, l := range lines {
			b = append(b, l...)
			b = append(b, cr)
		}
		return append(b, etx, DeskoEOD), nil
	case "3m":
		var data []byte
		for i := len(lines); i < 3; i++ { // bottom-aligned
			data = append(data, cr)
		}
		for _, l := range lines {
			pad := 30
			if len(l) > 30 {
				pad = 44
			}
			data = append(data, l...)
			for i := len(l); i < pad; i++ {
				data = append(data, '_')
			}
			data = append(data, cr)
		}
		n := 4 + len(data) + 1 // 'O' 'U' STX FLAG data ETX
		if n > 255 {
			return nil, fmt.Errorf("3m: document too long (%d bytes)", n)
		}
		b = append(b, soh, byte(n), 'O', 'U', stx, flag3M)
		b = append(b, data...)
		b = append(b, etx)
		var bcc byte
		for _, c := range b[1:] {
			bcc ^= c
		}
		return append(b, bcc), nil
	case "lines":
		for _, l := range lines {
			b = append(b, l...)
			b = append(b, cr, lf)
		}
		return append(b, cr, lf), nil
	}
	return nil, fmt.Errorf("unknown MRZ reader profile %q (want %s)", profile, strings.Join(MRZProfiles, ", "))
}

// EncodeCard returns one reading of tag as a reader of profile sends it.
// em4100 tags are 10 hex digits; uhf-m100 tags are an EPC in hex (an even
// number of digits, 4 to 62); ascii tags are sent as they are.
func EncodeCard(profile, tag string) ([]byte, error) {
	switch profile {
	case "em4100":
		t, err := hex.DecodeString(tag)
		if err != nil || len(t) != 5 {
			return nil, fmt.Errorf("em4100: tag %q is not 10 hex digits", tag)
		}
		x := t[0] ^ t[1] ^ t[2] ^ t[3] ^ t[4]
		return fmt.Appendf(nil, "\x02%s%02X\x03", strings.ToUpper(tag), x), nil
	case "uhf-m100":
		epc, err := hex.DecodeString(tag)
		if err != nil || len(epc) < 2 || len(epc)%2 != 0 || len(epc) > 62 {
			return nil, fmt.Errorf("uhf-m100: tag %q is not an EPC of 4 to 124 hex digits, even", tag)
		}
		pc := uint16(len(epc)/2) << 11
		params := []byte{0xC9, byte(pc >> 8), byte(pc)} // RSSI -55 dBm
		params = append(params, epc...)
		crc := crc16(params[1:])
		params = append(params, byte(crc>>8), byte(crc))
		b := []byte{0xBB, 0x02, 0x22, byte(len(params) >> 8), byte(len(params))}
		b = append(b, params...)
		var sum byte
		for _, c := range b[1:] {
			sum += c
		}
		return append(b, sum, 0x7E), nil
	case "ascii":
		if tag == "" || strings.ContainsAny(tag, "\r\n") {
			return nil, fmt.Errorf("ascii: tag %q is empty or holds a line end", tag)
		}
		return []byte(tag + "\r\n"), nil
	}
	return nil, fmt.Errorf("unknown card reader profile %q (want %s)", profile, strings.Join(CardProfiles, ", "))
}

// crc16 is CRC-16/GENIBUS over PC+EPC, as a Gen2 tag backscatters it.
func crc16(b []byte) uint16 {
	crc := uint16(0xFFFF)
	for _, c := range b {
		crc ^= uint16(c) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return ^crc
}

// corrupt damages a frame's check so that a careful reader refuses it: the
// BCC or checksum where the profile has one, else a check digit of the MRZ
// (which the agent's validation catches), else a tag character.
func corrupt(profile string, frame []byte) []byte {
	b := append([]byte(nil), frame...)
	switch profile {
	case "3m", "uhf-m100":
		b[len(b)-1-btoi(profile == "uhf-m100")] ^= 0x5A
	case "em4100":
		if b[11] == '0' {
			b[11] = '1'
		} else {
			b[11] = '0'
		}
	case "desko", "lines":
		// the last character of the last line is a check digit in every format
		for i := len(b) - 1; i > 0; i-- {
			if c := b[i]; c >= '0' && c <= '9' {
				b[i] = '0' + (c-'0'+1)%10
				break
			}
		}
	case "ascii":
		b[0] = 'Z'
	}
	return b
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
