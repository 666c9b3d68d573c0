/** Reads one record the directory stored as JSON text with its schema: the value, or undefined when it is not JSON or does not fit. */
export function parseRecord<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } }, raw: string): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
