package probe

// Credential is a user name and password that a vendor ships as its
// device's factory default, with where that is published.
type Credential struct {
	User     string
	Password string
	// Vendor is whose devices ship it.
	Vendor string
	// Source is where the default is documented.
	Source string
}

// scadapass is the public list of default credentials of industrial
// devices that the probe's list is drawn from.
const scadapass = "SCADAPASS (SCADA StrangeLove default password list)"

// DefaultCredentials are the well-known factory defaults of IIoT and OT
// devices the HTTP prober tries against basic authentication, most common
// first. docs/probe.md renders the list with its sources. Each is tried once
// per endpoint, at most MaxCredentialAttempts in all, stopping at the first
// that opens the page.
var DefaultCredentials = []Credential{
	{"admin", "admin", "many vendors (Siemens SCALANCE, Dahua, generic embedded web servers)", scadapass + "; vendors' manuals"},
	{"admin", "", "Moxa (NPort and EDS before 2019 firmware), Advantech", scadapass + "; Moxa NPort user's manual"},
	{"admin", "moxa", "Moxa (firmware since 2019)", "Moxa EDS/NPort user's manuals"},
	{"admin", "password", "generic embedded web servers", scadapass},
	{"admin", "1234", "generic embedded web servers, Zyxel", scadapass},
	{"admin", "12345", "Hikvision (before 2015 firmware)", "Hikvision quick start guides"},
	{"root", "root", "generic embedded Linux", scadapass},
	{"admin", "wago", "WAGO PFC/750 web-based management (admin)", "WAGO PFC200 manual, section Web-Based Management"},
	{"user", "user", "WAGO PFC/750 web-based management (user)", "WAGO PFC200 manual, section Web-Based Management"},
	{"admin", "private", "Phoenix Contact FL switches, Hirschmann", scadapass + "; Phoenix Contact FL SWITCH user manual"},
	{"USER", "USER", "Schneider Electric Modicon Ethernet modules", scadapass},
	{"Administrator", "1", "Beckhoff CX (Windows CE)", "Beckhoff Information System, CX default users"},
	{"user", "12345", "Sierra Wireless AirLink ACEmanager", "Sierra Wireless ACEmanager user guide"},
	{"admin", "admin01", "Teltonika RUT routers (older firmware)", "Teltonika wiki, RUT default login"},
	{"ubnt", "ubnt", "Ubiquiti", "Ubiquiti quick start guides"},
	{"root", "", "generic embedded Linux", scadapass},
}
