/** placeholder */
export interface JobState { id: string }
