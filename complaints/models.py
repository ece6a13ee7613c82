"""Models of the complaint tickets and their deadlines."""
