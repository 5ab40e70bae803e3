package mrz

// stateCodes are the codes ICAO 9303 Part 3 allows for an issuing state or
// organization and for a nationality: ISO 3166-1 alpha-3, the ICAO
// additions (D for Germany, the British categories, international
// organizations, the stateless and refugee codes), the EU laissez-passer
// (EUE), codes for Kosovo seen in practice, a few historical codes still
// printed on long-lived documents, and UTO, the fictional state of the ICAO
// specimens.
const stateCodes = "" +
	"AFG ALB DZA ASM AND AGO AIA ATA ATG ARG ARM ABW AUS AUT AZE BHS BHR BGD BRB BLR " +
	"BEL BLZ BEN BMU BTN BOL BES BIH BWA BVT BRA IOT BRN BGR BFA BDI CPV KHM CMR CAN " +
	"CYM CAF TCD CHL CHN CXR CCK COL COM COD COG COK CRI HRV CUB CUW CYP CZE CIV DNK " +
	"DJI DMA DOM ECU EGY SLV GNQ ERI EST SWZ ETH FLK FRO FJI FIN FRA GUF PYF ATF GAB " +
	"GMB GEO DEU GHA GIB GRC GRL GRD GLP GUM GTM GGY GIN GNB GUY HTI HMD VAT HND HKG " +
	"HUN ISL IND IDN IRN IRQ IRL IMN ISR ITA JAM JPN JEY JOR KAZ KEN KIR PRK KOR KWT " +
	"KGZ LAO LVA LBN LSO LBR LBY LIE LTU LUX MAC MDG MWI MYS MDV MLI MLT MHL MTQ MRT " +
	"MUS MYT MEX FSM MDA MCO MNG MNE MSR MAR MOZ MMR NAM NRU NPL NLD NCL NZL NIC NER " +
	"NGA NIU NFK MKD MNP NOR OMN PAK PLW PSE PAN PNG PRY PER PHL PCN POL PRT PRI QAT " +
	"ROU RUS RWA REU BLM SHN KNA LCA MAF SPM VCT WSM SMR STP SAU SEN SRB SYC SLE SGP " +
	"SXM SVK SVN SLB SOM ZAF SGS SSD ESP LKA SDN SUR SJM SWE CHE SYR TWN TJK TZA THA " +
	"TLS TGO TKL TON TTO TUN TUR TKM TCA TUV UGA UKR ARE GBR UMI USA URY UZB VUT VEN " +
	"VNM VGB VIR WLF ESH YEM ZMB ZWE ALA " +
	// ICAO additions
	"D<< GBD GBN GBO GBP GBS UNO UNA UNK XBA XIM XCC XCE XCO XEC XPO XES XMP XOM XDC " +
	"XXA XXB XXC XXX EUE XKX RKS XXK " +
	// historical codes still met on documents
	"ANT NTZ SCG YUG CSK DDR SUN ZAR TMP BUR " +
	// the ICAO specimens' fictional state
	"UTO"

func stateIndex(a, b, c byte) int {
	v := func(x byte) int {
		switch {
		case x >= 'A' && x <= 'Z':
			return int(x-'A') + 1
		case x == '<':
			return 0
		}
		return -1
	}
	x, y, z := v(a), v(b), v(c)
	if x <= 0 || y < 0 || z < 0 {
		return -1
	}
	return x*27*27 + y*27 + z
}

var knownState = func() (t [27 * 27 * 27]bool) {
	for i := 0; i+3 <= len(stateCodes); i += 4 {
		t[stateIndex(stateCodes[i], stateCodes[i+1], stateCodes[i+2])] = true
	}
	return
}()

// KnownState reports whether code (3 characters with fillers, "D<<", or
// trimmed, "D") is an ICAO state or organization code.
func KnownState(code string) bool {
	var b [3]byte
	if len(code) > 3 || len(code) == 0 {
		return false
	}
	copy(b[:], code)
	for i := len(code); i < 3; i++ {
		b[i] = '<'
	}
	i := stateIndex(b[0], b[1], b[2])
	return i >= 0 && knownState[i]
}
