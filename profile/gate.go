package profile

import (
	"fmt"
	"sync"

	"cel.dev/cel-go/cel"
)

// The variables a gate expression may use:
//
//	facts   map(string, dyn)    measurements the checks made, e.g. facts.kev_past_due
//	status  map(string, string) each catalog item's verdict, e.g. status.A8 == "pass"
//	firm    map(string, dyn)    naics, assets, sites
var (
	envOnce sync.Once
	celEnv  *cel.Env
	envErr  error
)

func gateEnv() (*cel.Env, error) {
	envOnce.Do(func() {
		celEnv, envErr = cel.NewEnv(
			cel.Variable("facts", cel.MapType(cel.StringType, cel.DynType)),
			cel.Variable("status", cel.MapType(cel.StringType, cel.StringType)),
			cel.Variable("firm", cel.MapType(cel.StringType, cel.DynType)),
		)
	})
	return celEnv, envErr
}

// program is a compiled gate expression.
type program struct {
	prg cel.Program
}

// costLimit bounds the work one gate may do, so that a profile cannot stall
// an assessment.
const costLimit = 1_000_000

func compile(expr string) (*program, error) {
	if expr == "" {
		return nil, fmt.Errorf("expr is empty")
	}
	env, err := gateEnv()
	if err != nil {
		return nil, err
	}
	ast, iss := env.Compile(expr)
	if iss.Err() != nil {
		return nil, fmt.Errorf("expr does not compile: %v", iss.Err())
	}
	if ast.OutputType() != cel.BoolType && ast.OutputType() != cel.DynType {
		return nil, fmt.Errorf("expr gives %v; a gate must give true or false", ast.OutputType())
	}
	prg, err := env.Program(ast, cel.CostLimit(costLimit))
	if err != nil {
		return nil, fmt.Errorf("expr: %v", err)
	}
	return &program{prg: prg}, nil
}

// Input is what a gate expression is evaluated over.
type Input struct {
	Facts  map[string]any
	Status map[string]string
	Firm   map[string]any
}

// Evaluate runs the gate. It returns whether the gate holds; err is set when
// the expression could not be evaluated (typically because a fact it needs
// is absent, as when evidence could not be verified).
func (g *Gate) Evaluate(in Input) (bool, error) {
	if g.program == nil {
		p, err := compile(g.Expr)
		if err != nil {
			return false, err
		}
		g.program = p
	}
	out, _, err := g.program.prg.Eval(map[string]any{"facts": in.Facts, "status": in.Status, "firm": in.Firm})
	if err != nil {
		return false, err
	}
	b, ok := out.Value().(bool)
	if !ok {
		return false, fmt.Errorf("gate gave %v, not true or false", out.Value())
	}
	return b, nil
}
