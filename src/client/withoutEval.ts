/**
 * Imported first by the page. Its Content-Security-Policy allows no eval, so
 * zod must neither compile its parsers nor probe whether it may: it probes as
 * each schema is built, and Chromium reports even the probe it catches.
 */
import { z } from 'zod';

z.config({ jitless: true });
