package central

import (
	"strings"
	"unicode"
)

// nation is one nationality's naming pool. Names are as printed on the
// data page (with diacritics); translit gives the MRZ form.
type nation struct {
	code      string
	given     []string
	surnames  []string
	idCard    bool // issues TD1 identity cards its holders might carry
	single    bool // some holders have a single name (no given names)
	numStyle  byte // 'L': 2 letters + 6 digits (CAN), 'D': 9 digits, 'A': letter + 8 alnum
	weight    int
	ttProgram string
}

func split(s string) []string { return strings.Split(s, "|") }

var nations = []nation{
	{code: "CAN", weight: 30, numStyle: 'L', ttProgram: "NEXUS",
		given:    split("F:Anna Maria|M:Jean-François|F:Émilie|M:Liam|F:Olivia|M:Noah|F:Chloé|M:Mathéo|F:Siobhan|Wei|F:Priya|M:Gabriel Joseph|F:Hélène|M:Ethan Alexander"),
		surnames: split("Eriksson|Tremblay|Gagnon|Roy|Côté|Bouchard|MacDonald|O'Brien|Lévesque|Nguyen|Singh|Bélanger|Fitzgerald-Montgomery|St-Pierre")},
	{code: "USA", weight: 30, numStyle: 'D', ttProgram: "NEXUS",
		given:    split("M:James|F:Mary Elizabeth|M:Robert|F:Jennifer|M:Michael|F:Linda|M:William|F:Elizabeth|M:David|F:Barbara|M:Christopher Alexander|F:María José|M:DeShawn|F:Kaitlyn"),
		surnames: split("Smith|Johnson|Williams|Brown|Jones|García|Miller|Davis|Rodríguez|Martínez|Hernández|Lopez|O'Connor|Vanderbilt-Whitmore")},
	{code: "GBR", weight: 6, numStyle: 'D', ttProgram: "GLOBAL_ENTRY",
		given:    split("M:Oliver|F:Amelia|M:George|F:Isla|M:Harry|F:Ava|F:Charlotte Rose|M:Arthur"),
		surnames: split("Taylor|Wilson|Evans|Thomas|Roberts|Featherstonehaugh|Cholmondeley|Ffoulkes")},
	{code: "D", weight: 5, numStyle: 'A', idCard: true, ttProgram: "GLOBAL_ENTRY",
		given:    split("M:Jürgen|F:Anna-Lena|M:Günther|M:Lukas|F:Sophie|M:Maximilian|M:Björn|F:Käthe"),
		surnames: split("Müller|Schröder|Weiß|Groß|Köhler|Schmidt|Wolfeschlegelsteinhausenbergerdorff|Bräuer")},
	{code: "FRA", weight: 4, numStyle: 'A', idCard: true, ttProgram: "GLOBAL_ENTRY",
		given:    split("F:Amélie|M:François|F:Zoé|F:Gaëlle|M:Étienne|M:Jean-Baptiste|F:Anaïs|M:Loïc"),
		surnames: split("Lefèvre|Dupont|Girard|Bonnet|Mercier|de la Fontaine|Lemaître|Fabré")},
	{code: "ESP", weight: 3, numStyle: 'A', idCard: true, ttProgram: "GLOBAL_ENTRY",
		given:    split("M:José Luis|F:María del Carmen|M:Íñigo|F:Begoña|M:Álvaro|F:Nuria"),
		surnames: split("Fernández López|García Márquez|Muñoz|Peña|Ibáñez de la Cruz|Núñez")},
	{code: "MEX", weight: 8, numStyle: 'A', ttProgram: "GLOBAL_ENTRY",
		given:    split("M:Juan Carlos|F:Guadalupe|M:José|F:María Fernanda|M:Jesús|F:Ximena"),
		surnames: split("Hernández Gómez|Pérez|Sánchez Ramírez|Cruz|Ortíz|Villaseñor")},
	{code: "PRT", weight: 2, numStyle: 'A', idCard: true, ttProgram: "GLOBAL_ENTRY",
		given:    split("F:Maria da Conceição|M:João|F:Inês|M:Gonçalo"),
		surnames: split("dos Santos Ferreira|Gonçalves|Magalhães|Conceição e Silva")},
	{code: "IND", weight: 5, numStyle: 'A', single: true, ttProgram: "GLOBAL_ENTRY",
		given:    split("M:Venkataraghavan Subrahmanyam|F:Priya|M:Arjun|F:Lakshmi|M:Rahul|F:Ananya"),
		surnames: split("Krishnamurthy|Sharma|Patel|Reddy|Iyer|Chattopadhyay|Venkatasubramanian")},
	{code: "CHN", weight: 4, numStyle: 'A', ttProgram: "GLOBAL_ENTRY",
		given:    split("Wei|M:Xiaoming|F:Li Na|F:Jing|M:Hao|F:Mei"),
		surnames: split("Wang|Li|Zhang|Liu|Chen|Ouyang")},
	{code: "JPN", weight: 3, numStyle: 'A', ttProgram: "GLOBAL_ENTRY",
		given:    split("M:Haruto|F:Yui|M:Sōta|F:Yūko|Ren"),
		surnames: split("Satō|Suzuki|Takahashi|Tanaka|Itō")},
	{code: "KOR", weight: 3, numStyle: 'A', ttProgram: "GLOBAL_ENTRY",
		given:    split("M:Min-jun|F:Seo-yeon|M:Ji-ho|F:Ha-eun"),
		surnames: split("Kim|Lee|Park|Choi")},
	{code: "VNM", weight: 2, numStyle: 'A', ttProgram: "GLOBAL_ENTRY",
		given:    split("M:Văn Anh|F:Thị Hương|M:Đức Minh"),
		surnames: split("Nguyễn|Trần|Phạm|Đặng")},
	{code: "IDN", weight: 2, numStyle: 'A', single: true, ttProgram: "GLOBAL_ENTRY",
		given:    split("F:Dewi|M:Budi|F:Siti"),
		surnames: split("Sukarni|Suharyanto|Wirawan|Setiawati")},
	{code: "POL", weight: 2, numStyle: 'A', idCard: true, ttProgram: "GLOBAL_ENTRY",
		given:    split("M:Łukasz|F:Małgorzata|M:Wojciech|F:Zofia"),
		surnames: split("Wiśniewski|Wójcik|Kowalczyk|Szczęsny-Żółkiewska")},
	{code: "SWE", weight: 2, numStyle: 'A', idCard: true, ttProgram: "GLOBAL_ENTRY",
		given:    split("F:Åsa|M:Björn|F:Märta|M:Örjan"),
		surnames: split("Åkesson|Öberg|Lindström|Ångström")},
	{code: "NOR", weight: 1, numStyle: 'A', idCard: true, ttProgram: "GLOBAL_ENTRY",
		given:    split("M:Øystein|F:Ingrid|M:Bjørn"),
		surnames: split("Sørensen|Ødegård|Hæreid")},
	{code: "TUR", weight: 2, numStyle: 'A', ttProgram: "GLOBAL_ENTRY",
		given:    split("M:Çağrı|F:Gülşen|M:İbrahim|F:Şule"),
		surnames: split("Öztürk|Yılmaz|Şahin|Çelik")},
	{code: "BRA", weight: 3, numStyle: 'A', ttProgram: "GLOBAL_ENTRY",
		given:    split("M:João Pedro|F:Ana Luíza|M:Thiago|F:Letícia"),
		surnames: split("da Silva|Gonçalves Araújo|Conceição|Brandão")},
	{code: "ISL", weight: 1, numStyle: 'A', ttProgram: "GLOBAL_ENTRY",
		given:    split("F:Þórunn|M:Guðmundur|F:Sigríður"),
		surnames: split("Jónsdóttir|Þórðarson|Guðmundsson")},
	{code: "NGA", weight: 2, numStyle: 'A', ttProgram: "GLOBAL_ENTRY",
		given:    split("M:Chukwuemeka|F:Ngozi|M:Oluwaseun|F:Adaeze"),
		surnames: split("Okonkwo|Adeyemi|Oluwadamilare-Babatunde|Eze")},
}

// translitMap follows ICAO 9303 Part 3, section 6, for the letters the
// pools use (Ä, Ö, Ü as AE, OE, UE; Å as AA; Æ and Ø as AE and OE).
var translitMap = map[rune]string{
	'À': "A", 'Á': "A", 'Â': "A", 'Ã': "A", 'Ä': "AE", 'Å': "AA", 'Æ': "AE", 'Ç': "C",
	'È': "E", 'É': "E", 'Ê': "E", 'Ë': "E", 'Ì': "I", 'Í': "I", 'Î': "I", 'Ï': "I",
	'Ð': "D", 'Ñ': "N", 'Ò': "O", 'Ó': "O", 'Ô': "O", 'Õ': "O", 'Ö': "OE", 'Ø': "OE",
	'Ù': "U", 'Ú': "U", 'Û': "U", 'Ü': "UE", 'Ý': "Y", 'Þ': "TH", 'ß': "SS",
	'Ā': "A", 'Ą': "A", 'Ć': "C", 'Č': "C", 'Đ': "D", 'Ē': "E", 'Ę': "E", 'Ğ': "G",
	'İ': "I", 'I': "I", 'Ł': "L", 'Ń': "N", 'Ō': "O", 'Œ': "OE", 'Ś': "S", 'Ş': "S",
	'Š': "S", 'Ū': "U", 'Ź': "Z", 'Ż': "Z", 'Ž': "Z",
	// Vietnamese letters with tone marks lose them.
	'Ă': "A", 'Ạ': "A", 'Ả': "A", 'Ấ': "A", 'Ầ': "A", 'Ẩ': "A", 'Ẫ': "A", 'Ậ': "A", 'Ắ': "A",
	'Ằ': "A", 'Ẳ': "A", 'Ẵ': "A", 'Ặ': "A", 'Ẹ': "E", 'Ẻ': "E", 'Ẽ': "E", 'Ế': "E", 'Ề': "E",
	'Ể': "E", 'Ễ': "E", 'Ệ': "E", 'Ỉ': "I", 'Ị': "I", 'Ĩ': "I", 'Ọ': "O", 'Ỏ': "O", 'Ố': "O",
	'Ồ': "O", 'Ổ': "O", 'Ỗ': "O", 'Ộ': "O", 'Ơ': "O", 'Ớ': "O", 'Ờ': "O", 'Ở': "O", 'Ỡ': "O",
	'Ợ': "O", 'Ụ': "U", 'Ủ': "U", 'Ũ': "U", 'Ư': "U", 'Ứ': "U", 'Ừ': "U", 'Ử': "U", 'Ữ': "U",
	'Ự': "U", 'Ỳ': "Y", 'Ỵ': "Y", 'Ỷ': "Y", 'Ỹ': "Y",
}

// translit turns a printed name into MRZ character form with spaces
// (apostrophes dropped, hyphens as spaces), as records hold it.
func translit(s string) string {
	t, _ := translitOK(s)
	return t
}

// translitOK also says whether every letter had a transliteration.
func translitOK(s string) (string, bool) {
	ok := true
	var b strings.Builder
	for _, c := range s {
		switch {
		case c == '\'' || c == '’' || c == '.':
		case c == '-' || c == ' ':
			b.WriteByte(' ')
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			b.WriteRune(unicode.ToUpper(c))
		default:
			u := unicode.ToUpper(c)
			if c == 'ß' {
				u = 'ß'
			}
			if c == 'ı' {
				u = 'I'
			}
			if t, ok := translitMap[u]; ok {
				b.WriteString(t)
			} else {
				b.WriteByte('X') // never reached with the pools above (a test checks)
				ok = false
			}
		}
	}
	return strings.Join(strings.Fields(b.String()), " "), ok
}

var employers = split("Example Robotics Inc.|Northwind Logistics Ltd.|Maple Leaf Aerospace|Great Lakes Automation Corp.|Borealis Energy Services|Pacific Rim Semiconductors|Cascadia Medical Devices|St. Lawrence Shipping Co.|Prairie Agritech Inc.|Hudson Valley Biotech|Laurentian Mining Group|Acme Industrial Controls|Quantum Ledger Consulting|Blue Harbor Construction|Aurora Film Productions")

var occupations = map[string][]string{
	"executive":    split("Chief executive officer|Vice-president, sales|Director of operations|Chief financial officer|General manager"),
	"professional": split("Software engineer|Management consultant|Lawyer|Auditor|Architect|Physician|Account manager"),
	"technical":    split("Field service technician|Installation technician|Industrial electrician|Millwright|Network technician|Welding inspector"),
}

var purposes = split("Installation of robotic line, customer site|Quarterly board meeting|Warranty repair of packaging equipment|Audit of subsidiary accounts|Commissioning of a control system|Trade show exhibitor|Training of customer staff")
