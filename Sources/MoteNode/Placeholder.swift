// The scheduler runner lives here.
