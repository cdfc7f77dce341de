package demo

// model is a device model the generator can deploy. Vendor, product and
// version strings are those of real products named in CISA ICS advisories,
// spelled the way asset owners' inventories spell them.
type model struct {
	Vendor  string
	Product string
	Model   string
	Class   string
	// Old is a firmware version that published advisories affect; Current
	// is one that no advisory in the shipped snapshot affects.
	Old, Current string
	Services     []string
	// EOL is the vendor's end-of-life date, when the model is discontinued.
	EOL string
	// Legacy models cannot hold a device certificate or be updated
	// automatically.
	Legacy          bool
	ProprietaryOnly bool
	Protections     []string
	SecureBoot      bool
	Update          string // automated or manual
	PersonalData    bool
	HWRevision      string
}

// waterModels are the devices of a water utility: PLCs at the plant and
// pump stations, RTUs with licensed radios at remote sites, HMIs, drives,
// analysers, switches, serial gateways and the SCADA servers.
var waterModels = []weighted{
	{12, model{Vendor: "Rockwell Automation", Product: "MicroLogix 1400", Model: "1766-L32BXB", Class: "PLC", Old: "21.003", Current: "21.008", Services: []string{"enip/44818", "http/80"}, EOL: "2024-06-30", Legacy: true, Protections: []string{"watchdog"}, Update: "manual", HWRevision: "Series B"}},
	{10, model{Vendor: "Rockwell Automation", Product: "CompactLogix 5370 L3 controllers", Model: "1769-L33ER", Class: "PLC", Old: "30.014", Current: "34.011", Services: []string{"enip/44818"}, Protections: []string{"watchdog", "memory-protection", "mode-switch"}, Update: "automated", HWRevision: "B"}},
	{14, model{Vendor: "Schneider Electric", Product: "Modicon M221", Model: "TM221CE24R", Class: "PLC", Old: "1.5.0.0", Current: "1.6.2.0", Services: []string{"modbus/502"}, Protections: []string{"watchdog"}, Update: "manual", HWRevision: "PV 01"}},
	{10, model{Vendor: "General Electric (GE)", Product: "SD series radio", Model: "MDS SD9", Class: "Gateway", Old: "rev. 6.2.1", Current: "rev. 6.4.7", Services: []string{"http/80", "telnet/23"}, Protections: []string{"rate-limiting"}, Update: "manual", HWRevision: "B"}},
	{8, model{Vendor: "Hitachi Energy", Product: "RTU500 series CMU", Model: "560CMU05", Class: "RTU", Old: "12.2.1", Current: "13.4.1", Services: []string{"iec104/2404", "https/443"}, Protections: []string{"watchdog", "memory-protection"}, SecureBoot: true, Update: "automated", HWRevision: "R0004"}},
	{8, model{Vendor: "Rockwell Automation", Product: "PanelView Plus 6 700-1500", Model: "2711P-T7C4D9", Class: "HMI", Old: "6.10-20140122", Current: "6.10-20140122", Services: []string{"enip/44818", "http/80"}, EOL: "2021-12-31", Legacy: true, Protections: []string{}, Update: "manual"}},
	{14, model{Vendor: "Rockwell Automation", Product: "PowerFlex 525 AC Drives with embedded EtherNet/IP and Safety", Model: "25B-D010N114", Class: "Drive", Old: "5.001", Current: "7.001", Services: []string{"enip/44818"}, Protections: []string{"watchdog"}, Update: "manual"}},
	{16, model{Vendor: "Endress+Hauser", Product: "Liquiline CM442", Model: "CM442-AAM1A2F010A", Class: "Sensor", Old: "01.07.04", Current: "01.07.06", Services: []string{"modbus/502", "http/80"}, Protections: []string{"watchdog"}, Update: "manual"}},
	{16, model{Vendor: "Endress+Hauser", Product: "Promag W 400", Model: "5W4C2H-0R9B", Class: "Meter", Old: "01.01.00", Current: "01.03.00", Services: []string{"modbus/502"}, Protections: []string{"watchdog"}, Update: "manual"}},
	{8, model{Vendor: "Rockwell Automation", Product: "Stratix 5700", Model: "1783-BMS10CGL", Class: "Switch", Old: "15.2(4)EA5", Current: "15.2(8)E4", Services: []string{"ssh/22", "https/443"}, Protections: []string{"rate-limiting", "privilege-separation"}, Update: "manual"}},
	{6, model{Vendor: "Moxa", Product: "NPort 5110", Model: "NPort 5110", Class: "Gateway", Old: "2.4", Current: "2.10", Services: []string{"http/80", "telnet/23"}, Protections: []string{}, Update: "manual"}},
	{4, model{Vendor: "Inductive Automation", Product: "Ignition", Model: "Ignition Gateway", Class: "Server", Old: "8.0.7", Current: "8.1.33", Services: []string{"https/8043", "opcua/62541"}, Protections: []string{"memory-protection", "privilege-separation"}, Update: "automated", PersonalData: true}},
	{2, model{Vendor: "OSIsoft LLC", Product: "PI Server", Model: "PI Data Archive", Class: "Historian", Old: "2018 SP3", Current: "2023", Services: []string{"https/443"}, Protections: []string{"memory-protection", "privilege-separation"}, Update: "automated"}},
}

// manufacturingModels are the devices of a well-kept discrete manufacturing
// plant: modern controllers, panels, drives, managed switches, robots'
// gateways and the line's servers, on current firmware.
var manufacturingModels = []weighted{
	{14, model{Vendor: "Siemens", Product: "SIMATIC S7-1200 CPU 1214C DC/DC/DC", Model: "6ES7214-1AG40-0XB0", Class: "PLC", Old: "V4.4", Current: "V4.6", Services: []string{"opcua/4840", "https/443"}, Protections: []string{"watchdog", "memory-protection", "access-levels", "know-how-protection"}, SecureBoot: true, Update: "automated", HWRevision: "FS02"}},
	{10, model{Vendor: "Siemens", Product: "SIMATIC HMI Unified Comfort Panel MTP1200", Model: "6AV2128-3MB06-0AX1", Class: "HMI", Old: "V17", Current: "V19", Services: []string{"https/443", "opcua/4840"}, Protections: []string{"memory-protection", "privilege-separation"}, SecureBoot: true, Update: "automated"}},
	{16, model{Vendor: "Siemens", Product: "SINAMICS G120 CU250S-2 PN", Model: "6SL3246-0BA22-1FA0", Class: "Drive", Old: "V4.7 SP10", Current: "V4.7 SP14", Services: []string{"profinet/34964"}, Protections: []string{"watchdog", "access-levels"}, Update: "automated"}},
	{8, model{Vendor: "Siemens", Product: "SCALANCE XC216-4C", Model: "6GK5216-4BS00-2AC2", Class: "Switch", Old: "V4.1", Current: "V4.5", Services: []string{"ssh/22", "https/443", "snmpv3/161"}, Protections: []string{"rate-limiting", "privilege-separation"}, SecureBoot: true, Update: "automated"}},
	{6, model{Vendor: "Phoenix Contact", Product: "FL MGUARD 2000", Model: "1357828", Class: "Firewall", Old: "10.0.1", Current: "10.4.1", Services: []string{"https/443", "ssh/22"}, Protections: []string{"memory-protection", "privilege-separation", "rate-limiting"}, SecureBoot: true, Update: "automated"}},
	{10, model{Vendor: "Beckhoff", Product: "CX5140 Embedded PC with TwinCAT 3", Model: "CX5140-0125", Class: "Controller", Old: "3.1 Build 4022.4", Current: "3.1 Build 4024.56", Services: []string{"opcua/4840", "mqtts/8883"}, Protections: []string{"watchdog", "memory-protection", "privilege-separation"}, SecureBoot: true, Update: "automated"}},
	{12, model{Vendor: "ifm electronic", Product: "IO-Link master AL1350", Model: "AL1350", Class: "Gateway", Old: "2.2.34", Current: "2.3.41", Services: []string{"mqtts/8883", "https/443"}, Protections: []string{"watchdog", "rate-limiting"}, Update: "automated"}},
	{14, model{Vendor: "Balluff", Product: "Condition Monitoring Sensor BCM R15E", Model: "BCM0001", Class: "Sensor", Old: "1.1.0", Current: "1.3.2", Services: []string{"mqtts/8883"}, Protections: []string{"watchdog"}, Update: "automated"}},
	{4, model{Vendor: "Hewlett Packard Enterprise", Product: "ProLiant DL380 Gen10 Plus", Model: "P39125-B21", Class: "Server", Old: "iLO 5 2.72", Current: "iLO 5 3.10", Services: []string{"https/443", "ssh/22"}, Protections: []string{"memory-protection", "privilege-separation", "tpm"}, SecureBoot: true, Update: "automated", PersonalData: true}},
	{2, model{Vendor: "Siemens", Product: "SIMATIC IPC427E", Model: "6AG4141-1AA17-0FA0", Class: "Workstation", Old: "V21.01.10", Current: "V21.02.02", Services: []string{"https/443", "ssh/22"}, Protections: []string{"memory-protection", "privilege-separation", "tpm"}, SecureBoot: true, Update: "automated"}},
}

// weighted gives a model a relative share of the fleet.
type weighted struct {
	Weight int
	Model  model
}
