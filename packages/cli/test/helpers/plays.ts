/** The csv-report example of issue 5: the input, and exactly the report it gives. */
export const PLAYS = `Song,Date,Number of Plays
Umbrella,2020-01-02,200
Umbrella,2020-01-01,100
In The End,2020-01-01,500
Umbrella,2020-01-01,50
In The End,2020-01-01,1000
Umbrella,2020-01-02,50
In The End,2020-01-02,500
`;

export const REPORT = `Song,Date,Total Number of Plays for Date
In The End,2020-01-01,1500
In The End,2020-01-02,500
Umbrella,2020-01-01,150
Umbrella,2020-01-02,250
`;
