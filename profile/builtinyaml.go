package profile

import "github.com/insurable/insurable"

// BuiltinYAML returns the text of a built-in profile, so that a service
// can store it and parse it later with the same digest Load gives.
func BuiltinYAML(name string) ([]byte, error) {
	data, err := builtin.ReadFile("profiles/" + name + ".yaml")
	if err != nil {
		return nil, insurable.Errorf("profile.BuiltinYAML", insurable.NotExist, "no built-in profile %q", name)
	}
	return data, nil
}
