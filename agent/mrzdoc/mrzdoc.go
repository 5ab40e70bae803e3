// Package mrzdoc maps a parsed machine readable zone (package mrz) into
// the one representation the agent keeps of it after parsing: the
// protocol's document and holder (wire), as decide.Document holds
// them with the zone's validity. The kiosk maps each traveler's zone once;
// the decision, the events and the referral all use the result.
//
// It sits apart so that mrz stays standard library only and knows nothing
// of the agent, and agent/decide stays free of mrz.
package mrzdoc

import (
	"time"

	"github.com/xpt-pilot/xpt-kiosk/agent/decide"
	"github.com/xpt-pilot/xpt-kiosk/mrz"
	"github.com/xpt-pilot/xpt-kiosk/wire"
)

// Of is what the zone r says of the document and its holder: fields as
// the zone has them, dates as YYYY-MM-DD ("" when the zone has none that
// parses), Valid as r's, NameTruncated when the zone's name field was
// full (mrz.CodeTruncated).
func Of(r *mrz.Result) decide.Document {
	d := decide.Document{
		Document: wire.Document{Code: r.DocumentCode, IssuingState: r.IssuingState, Number: r.DocumentNumber,
			ExpiryDate: date(r.ExpiryDate)},
		Holder: wire.Holder{Surname: r.Surname, GivenNames: r.GivenNames, BirthDate: date(r.BirthDate),
			Sex: r.Sex, Nationality: r.Nationality},
		Valid: r.Valid,
	}
	for _, w := range r.Warnings {
		if w.Code == mrz.CodeTruncated {
			d.NameTruncated = true
		}
	}
	return d
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(wire.DateFormat)
}
