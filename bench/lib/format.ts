/** How figures are written in RESULTS.md: fixed precision so two runs diff cleanly. */

export function ms(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

export function ratio(value: number): string {
  return `${value.toFixed(2)}×`;
}

export function mib(kib: number): string {
  return `${(kib / 1024).toFixed(0)} MiB`;
}

export function percent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}

export function count(value: number): string {
  return value.toLocaleString("en-US");
}

export function us(valueMs: number): string {
  return `${(valueMs * 1000).toFixed(0)} µs`;
}
