// Child-process entry of the mock backend (forked by the runner, so it shares the load
// generator's core, never the system under test's). Protocol over the IPC channel:
//   parent → { type: 'start', backend }     child → { type: 'ready', urls }
//   parent → { type: 'counts', id }         child → { type: 'counts', id, counts }
//   parent → { type: 'select', id, size }   child → { type: 'selected', id }  (a `sized` backend)
import { startBackend, type RunningBackend } from './backend.ts';
import type { BackendSpec } from '../scenarios/types.ts';

type Message = { type: 'start'; backend: BackendSpec } | { type: 'counts'; id: number } | { type: 'select'; id: number; size: number };

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
  } else if (message.type === 'select') {
    try {
      backend!.select(message.size);
      process.send!({ type: 'selected', id: message.id });
    } catch (error) {
      process.send!({ type: 'selected', id: message.id, message: String((error as Error).message) });
    }
  }
});

// The runner going away (or closing the channel) ends the backend too.
process.on('disconnect', () => {
  void (backend?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
