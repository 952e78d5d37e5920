/**
 * EMF lines, written to the function's standard output as they are. With Lambda's JSON log format, console.log
 * wraps a line into a JSON object of its own ({"timestamp", "level", "message": "..."}), in which CloudWatch no
 * longer finds the embedded metric format, and the metrics are lost; a line written straight to stdout stays the
 * EMF object (what AWS's EMF and Powertools libraries do since Lambda's JSON logs).
 */
export const emitLine = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
