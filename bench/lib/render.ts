/**
 * Renders a Vega-Lite spec to SVG (vega, pure JavaScript) and, where the native
 * `@resvg/resvg-js` package can be loaded, to PNG. In a bundle without node_modules (the
 * device kit) the PNG is skipped: re-render it from the results JSON with `--plot-only`.
 */
import * as fs from 'node:fs';

import * as vega from 'vega';
import * as vl from 'vega-lite';

/** Writes `<base>.svg` and, when possible, `<base>.png`; returns the files written. */
export async function writePlot(spec: Record<string, unknown>, base: string): Promise<string[]> {
  const view = new vega.View(vega.parse(vl.compile(spec as unknown as vl.TopLevelSpec).spec), { renderer: 'none' });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  fs.writeFileSync(`${base}.svg`, svg);
  const written = [`${base}.svg`];
  // A computed specifier keeps bundlers from inlining the native module.
  const resvgName = ['@resvg', 'resvg-js'].join('/');
  try {
    const { Resvg } = (await import(resvgName)) as typeof import('@resvg/resvg-js');
    const png = new Resvg(svg, {
      font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
      fitTo: { mode: 'zoom', value: 1.5 },
      background: 'white',
    })
      .render()
      .asPng();
    fs.writeFileSync(`${base}.png`, png);
    written.push(`${base}.png`);
  } catch (err) {
    process.stderr.write(`PNG skipped (${err instanceof Error ? err.message.split('\n')[0] : String(err)})\n`);
  }
  return written;
}
