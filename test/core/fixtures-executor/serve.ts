// The gateway under test, run in a child process with a small heap by gateway.ts: an
// executor that blows up kills this process (and the test) instead of the test runner.
// Writes one JSON line `{"port": N}` to stdout once listening; then its log lines (JSON,
// debug level) follow on stdout.
import { createGateway } from '../../../src/gateway.ts';
import { createLogger } from '../../../src/observability/log.ts';

const configFile = process.argv[2];
if (!configFile) throw new Error('usage: serve.ts <config file>');
const logger = createLogger({ level: 'debug', destination: process.stdout });
const gateway = await createGateway({ configFile, logger });
const { port } = await gateway.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port })}\n`);
process.once('SIGTERM', () => void gateway.close().then(() => process.exit(0)));
