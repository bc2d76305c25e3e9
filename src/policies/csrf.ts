// CSRF prevention: Yoga's plugin refuses a request a browser could send cross-site
// without a CORS preflight — a GET, or a POST whose content type is a form or text/plain
// (the Fetch standard's "simple" requests) — unless it carries one of the configured
// headers, which a cross-site page cannot add without a preflight. JSON POSTs and any
// client that sets the header are unaffected. The refusal gets the catalogue code.
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { markRefusal } from './policy-errors.ts';

export function useCsrf(requestHeaders: readonly string[]): Plugin {
  const csrf = useCSRFPrevention({ requestHeaders: [...requestHeaders] });
  const check = csrf.onRequestParse!;
  return {
    onRequestParse(payload) {
      try {
        return check(payload);
      } catch (error) {
        markRefusal(error as GraphQLError, 'CSRF_HEADER_REQUIRED');
        (error as { message: string }).message =
          `This request needs one of the headers ${requestHeaders.join(', ')} (CSRF prevention), or a JSON content type.`;
        throw error;
      }
    },
  };
}
