import { PhoenixClient } from "../../phoenix/client.js";
import { PhoenixConfigError } from "../../phoenix/config.js";
import { CliError, type CliContext } from "../context.js";

/**
 * Runs `work` with a Phoenix client from Phoenix's environment variables, closing it afterwards.
 * Errors come out redacted, as `error: …` lines.
 */
export async function withPhoenix<T>(context: CliContext, work: (client: PhoenixClient) => Promise<T>): Promise<T> {
  let client: PhoenixClient | undefined;
  try {
    client = PhoenixClient.fromEnv({}, context.env as NodeJS.ProcessEnv);
  } catch (error) {
    if (error instanceof PhoenixConfigError) throw new CliError(error.message);
    throw error;
  }
  if (!client) throw new CliError("PHOENIX_HOST is not set: set it to your Phoenix base URL (and PHOENIX_API_KEY if your Phoenix needs one)");
  try {
    return await work(client);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(client.redactText((error as Error)?.message ?? String(error)));
  } finally {
    await client.close();
  }
}
