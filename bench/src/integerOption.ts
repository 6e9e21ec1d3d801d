/**
 * A command-line option that must be a whole number within bounds (every bench bounds its count
 * and time): its value, or the bench exits with status 2 and says what it takes.
 */
export function integerOption(values: Readonly<Record<string, unknown>>, name: string, min: number, max: number): number {
  const value = Number(values[name]);
  if (!(Number.isInteger(value) && value >= min && value <= max)) {
    console.error(`--${name}: an integer from ${min} to ${max}`);
    process.exit(2);
  }
  return value;
}
