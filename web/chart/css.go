package chart

// CSS is the style sheet fragment the charts need; pages include it in their
// <style>. Every rule is scoped to svg.chart, so it leaves the rest of the
// page alone. A class sets the color of its bar, segment or series, which the
// shapes paint with currentColor; a page themes the charts by overriding
// these rules:
//
//   - severities: critical, high, medium, low, none, and kev (known exploited);
//   - policy states: state-application, state-assessed, state-quoted,
//     state-issued, state-renewal, state-suspended, state-lapsed,
//     state-cancelled, state-declined;
//   - series-0 … series-5 for the lines of a time-series chart (a series'
//     own Class, listed later, wins over these);
//   - the parts: title, label, value, tick, empty, legend, axis, grid, track.
//
// Every colour has a contrast of at least 3:1 against white (text 4.5:1).
const CSS = `svg.chart{display:block;width:100%;height:auto;color:#64748b;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.chart text{fill:#1f2937;font-size:12px}
.chart .title{font-size:13px;font-weight:600}
.chart .value,.chart .tick{fill:#4b5563;font-size:11px}
.chart .empty{fill:#6b7280;font-style:italic}
.chart a text{fill:#1d4ed8}
.chart a:hover text,.chart a:focus text{text-decoration:underline}
.chart a:hover .bar,.chart a:focus .bar{opacity:.8}
.chart .bar,.chart .seg,.chart .swatch,.chart .dot{fill:currentColor}
.chart .seg{stroke:#fff;stroke-width:1}
.chart .track{fill:#f1f5f9}
.chart .line{fill:none;stroke:currentColor;stroke-width:2;stroke-linejoin:round;stroke-linecap:round}
.chart .grid{stroke:#e5e7eb;stroke-width:1}
.chart .axis{stroke:#6b7280;stroke-width:1}
.chart .series-0{color:#2563eb}
.chart .series-1{color:#ea580c}
.chart .series-2{color:#16a34a}
.chart .series-3{color:#9333ea}
.chart .series-4{color:#db2777}
.chart .series-5{color:#0891b2}
.chart .critical{color:#991b1b}
.chart .high{color:#ea580c}
.chart .medium{color:#d97706}
.chart .low{color:#2563eb}
.chart .none{color:#64748b}
.chart .kev{color:#7c3aed}
.chart .state-application{color:#64748b}
.chart .state-assessed{color:#0891b2}
.chart .state-quoted{color:#2563eb}
.chart .state-issued{color:#16a34a}
.chart .state-renewal{color:#0d9488}
.chart .state-suspended{color:#d97706}
.chart .state-lapsed{color:#9333ea}
.chart .state-cancelled{color:#374151}
.chart .state-declined{color:#be123c}
`
