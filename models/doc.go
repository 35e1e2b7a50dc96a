// Package models holds the rows dripbook keeps (subscribers, consents,
// enrollments, deliveries, bookings, clicks), their states and the errors
// about them. It has no queries, so domain packages use these types without
// depending on the database; package storage reads and writes them.
package models
