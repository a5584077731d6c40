/** placeholder */
export interface NodeFailure { mac: string }
