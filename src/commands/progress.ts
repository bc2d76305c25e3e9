// Progress of long loads (a 20 MB spec takes a while): on a terminal, one line that is
// rewritten in place naming the phase and the source; elsewhere (CI logs, pipes) one
// plain line per phase, because carriage returns make a mess of a log file.
export type ProgressPhase = 'read' | 'dereference' | 'generate' | 'merge';

const LABEL: Record<ProgressPhase, string> = {
  read: 'reading',
  dereference: 'dereferencing',
  generate: 'generating GraphQL for',
  merge: 'merging',
};

export interface Progress {
  update(phase: ProgressPhase, source?: string): void;
  /** Clears the line (terminal); call before printing results. */
  done(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  // The clock starts at the first phase after done(): a reload shows its own time.
  let started = performance.now();
  let active = false;
  const current = new Map<string, ProgressPhase>();
  let lastPlain = '';
  const tty = stream.isTTY === true;
  let shown = false;
  return {
    update(phase, source) {
      if (!active) {
        started = performance.now();
        current.clear();
        lastPlain = '';
        active = true;
      }
      current.set(source ?? '', phase);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      if (tty) {
        const parts = [...current].map(([s, p]) => `${LABEL[p]}${s ? ` ${s}` : ''}`);
        const line = `… ${parts.join(', ')} (${seconds} s)`;
        stream.write(`\r\x1b[2K${line.slice(0, Math.max(20, (stream.columns ?? 80) - 1))}`);
        shown = true;
      } else {
        const line = `[tributary] ${phase}${source ? ` ${source}` : ''}`;
        if (line !== lastPlain) stream.write(`${line} (${seconds} s)\n`);
        lastPlain = line;
      }
    },
    done() {
      if (tty && shown) stream.write('\r\x1b[2K');
      shown = false;
      active = false;
    },
  };
}
