package face

// Code is what the traveler is asked to do: the outcome of the quality
// rules for one frame. The strings are stable; the traveler UI shows the
// message for the code in the traveler's language (see Guidance).
type Code string

// Guidance codes, in the order the rules are checked: the first rule a
// frame fails gives its code.
const (
	OK                Code = "ok"                 // every rule passed
	CameraUnavailable Code = "camera_unavailable" // no frame from the camera
	NoFace            Code = "no_face"            // no face found
	MultipleFaces     Code = "multiple_faces"     // more than one face of comparable size
	MoveCloser        Code = "move_closer"        // face too small in the frame
	MoveBack          Code = "move_back"          // face too large in the frame
	CenterFace        Code = "center_face"        // face too far from the centre
	MoreLight         Code = "more_light"         // face too dark, or too little contrast
	LessLight         Code = "less_light"         // face overexposed
	HoldStill         Code = "hold_still"         // face blurred (motion or focus)
	LookAtCamera      Code = "look_at_camera"     // not frontal: both eyes were not found
)

// Message is a short instruction in English and French.
type Message struct {
	EN string `json:"en"`
	FR string `json:"fr"`
}

// Guidance is the table the traveler UI uses: one short message per code,
// in English and French. Keep them short enough for one line on the kiosk
// screen.
var Guidance = map[Code]Message{
	OK:                {EN: "Perfect, hold still", FR: "Parfait, ne bougez plus"},
	CameraUnavailable: {EN: "The camera is unavailable, please see an officer", FR: "La caméra est indisponible, veuillez voir un agent"},
	NoFace:            {EN: "Look at the camera", FR: "Regardez la caméra"},
	MultipleFaces:     {EN: "Only one person, please", FR: "Une seule personne, s'il vous plaît"},
	MoveCloser:        {EN: "Move closer", FR: "Approchez-vous"},
	MoveBack:          {EN: "Move back a little", FR: "Reculez un peu"},
	CenterFace:        {EN: "Center your face in the frame", FR: "Centrez votre visage dans le cadre"},
	MoreLight:         {EN: "More light needed", FR: "Plus de lumière nécessaire"},
	LessLight:         {EN: "Too bright: step out of direct light", FR: "Trop lumineux : évitez la lumière directe"},
	HoldStill:         {EN: "Hold still", FR: "Ne bougez plus"},
	LookAtCamera:      {EN: "Look straight at the camera", FR: "Regardez droit vers la caméra"},
}

// Codes lists every code in the order the rules are checked.
var Codes = []Code{OK, CameraUnavailable, NoFace, MultipleFaces, MoveCloser, MoveBack, CenterFace, MoreLight, LessLight, HoldStill, LookAtCamera}

// Message returns the message for lang ("en" or "fr"; English otherwise).
func (c Code) Message(lang string) string {
	m, ok := Guidance[c]
	if !ok {
		return string(c)
	}
	if lang == "fr" {
		return m.FR
	}
	return m.EN
}
