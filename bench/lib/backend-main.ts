// Child-process entry of the mock backend (forked by the runner, so it shares the load
// generator's core, never the system under test's). Protocol over the IPC channel:
//   parent → { type: 'start', backend }     child → { type: 'ready', urls }
//   parent → { type: 'counts', id }         child → { type: 'counts', id, counts }
import { startBackend, type RunningBackend } from './backend.ts';
import type { BackendSpec } from '../scenarios/types.ts';

type Message = { type: 'start'; backend: BackendSpec } | { type: 'counts'; id: number };

let backend: RunningBackend | undefined;

process.on('message', (message: Message) => {
  if (message.type === 'start') {
    startBackend(message.backend).then(
      (b) => {
        backend = b;
        process.send!({ type: 'ready', urls: b.urls });
      },
      (error: unknown) => {
        process.send!({ type: 'error', message: String((error as Error).stack ?? error) });
      },
    );
  } else if (message.type === 'counts') {
    process.send!({ type: 'counts', id: message.id, counts: backend?.counts() });
  }
});

// The runner going away (or closing the channel) ends the backend too.
process.on('disconnect', () => {
  void (backend?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
