/**
 * The latency distribution as an SVG, written by hand (no chart library for one plot): latency
 * against percentile, the percentile axis spread as 1 / (1 − p) on a log scale (90 %, 99 %,
 * 99.9 %, …) as HdrHistogram's plots do, so that the tail gets the room it matters for.
 */
export interface Curve {
  label: string;
  /** [percentile 0..100, ms] */
  points: [number, number][];
}

const WIDTH = 760;
const HEIGHT = 420;
const MARGIN = { left: 64, right: 24, top: 48, bottom: 96 };
const COLOURS = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd'];

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** Decades of 1 / (1 − p): 0 at p = 0, 2 at p = 99 %. */
const decades = (percentile: number) => Math.log10(1 / Math.max(1e-9, 1 - percentile / 100));

/** A round step giving about `ticks` ticks up to `max`. */
function niceStep(max: number, ticks: number): number {
  const raw = max / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * magnitude).find((step) => step >= raw) ?? raw;
}

export function latencyChartSvg(title: string, curves: readonly Curve[]): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const all = curves.flatMap((curve) => curve.points);
  const maxDecades = Math.max(2, Math.ceil(Math.max(0, ...all.map(([p]) => decades(p)))));
  const step = niceStep(Math.max(1, ...all.map(([, ms]) => ms)), 6);
  const maxMs = Math.ceil(Math.max(1, ...all.map(([, ms]) => ms)) / step) * step;
  const x = (percentile: number) => MARGIN.left + (Math.min(decades(percentile), maxDecades) / maxDecades) * plotWidth;
  const y = (ms: number) => MARGIN.top + plotHeight - (ms / maxMs) * plotHeight;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
  ];
  for (let ms = 0; ms <= maxMs + step / 2; ms += step) {
    const at = y(ms).toFixed(1);
    parts.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${at}" y2="${at}" stroke="#e5e5e5"/>`,
      `<text x="${MARGIN.left - 8}" y="${at}" text-anchor="end" dominant-baseline="middle">${Number(ms.toPrecision(6))}</text>`,
    );
  }
  for (let d = 0; d <= maxDecades; d += 1) {
    const percentile = 100 * (1 - 10 ** -d);
    const at = x(percentile).toFixed(1);
    const label = d === 0 ? '0%' : `${Number(percentile.toFixed(d))}%`;
    parts.push(
      `<line x1="${at}" x2="${at}" y1="${MARGIN.top}" y2="${MARGIN.top + plotHeight}" stroke="#e5e5e5"/>`,
      `<text x="${at}" y="${MARGIN.top + plotHeight + 18}" text-anchor="middle">${label}</text>`,
    );
  }
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#999"/>`,
    `<text x="${MARGIN.left + plotWidth / 2}" y="${MARGIN.top + plotHeight + 38}" text-anchor="middle">percentile</text>`,
    `<text x="16" y="${MARGIN.top + plotHeight / 2}" text-anchor="middle" transform="rotate(-90 16 ${MARGIN.top + plotHeight / 2})">latency (ms)</text>`,
  );
  curves.forEach((curve, index) => {
    const colour = COLOURS[index % COLOURS.length]!;
    const path = curve.points.map(([p, ms], i) => `${i === 0 ? 'M' : 'L'}${x(p).toFixed(1)},${y(ms).toFixed(1)}`).join(' ');
    const legendY = MARGIN.top + plotHeight + 58 + index * 16;
    parts.push(
      `<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`,
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + 24}" y1="${legendY}" y2="${legendY}" stroke="${colour}" stroke-width="2"/>`,
      `<text x="${MARGIN.left + 32}" y="${legendY}" dominant-baseline="middle">${escapeXml(curve.label)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
