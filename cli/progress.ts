/** Progress goes to stdout for the table, and to stderr (only on a terminal) for machine formats. */
export function progressFor(format: string): (line: string) => void {
  return format === 'table'
    ? (line) => console.log(line)
    : (line) => {
        if (process.stderr.isTTY) console.error(line);
      };
}
