/** What `experimentsProject()` hands to the workers through Vitest's `provide`/`inject`. */
export interface ProvidedSettings {
  /** The store directory as configured (relative to the project root), "" for the default, or false when the store is off. */
  storeDir: string | false;
}

export const PROVIDE_KEY = "vitestExperiments";
