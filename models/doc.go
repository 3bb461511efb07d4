// Package models holds keydesk's persistent records as GORM models. Every row belongs to a
// merchant (MerchantID), money is integer minor units with an ISO currency beside it, and
// times are UTC. The tables themselves are created by the versioned SQL in migrations/, never
// by AutoMigrate; a test proves every field here exists as a column on SQLite and MySQL.
package models
