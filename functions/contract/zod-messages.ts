/**
 * Zod's English messages, for every schema of the project (the config, the wire, the events): zod/mini carries
 * none by default, and a bad field read "Invalid input" without saying what was expected or which key was unknown.
 * Imported for its effect by the two places that parse: contract/wire.ts and config/validate.ts.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

z.config(en());
