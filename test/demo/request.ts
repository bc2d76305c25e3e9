// One HTTP call for the demo tests, with the body parsed as JSON when it is JSON, so
// assertions read `expect(res.body).toEqual(...)`.

export interface TestResponse {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON, or the raw text when the body is not JSON ('' when empty). */
  readonly body: unknown;
  readonly text: string;
}

export async function request(url: string, init: RequestInit = {}): Promise<TestResponse> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** POST `body` as JSON (a string is sent as is, to test malformed bodies). */
export function postJson(url: string, body: unknown): Promise<TestResponse> {
  return request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
