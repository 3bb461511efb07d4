package migrations_test

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/keydesk/keydesk/internal/testdb"
	"github.com/keydesk/keydesk/migrations"
	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/store"
)

// parse returns GORM's view of every model, keyed by table name.
func parse(t *testing.T) map[string]*schema.Schema {
	t.Helper()
	out := map[string]*schema.Schema{}
	for _, m := range models.All() {
		sch, err := schema.Parse(m, &sync.Map{}, schema.NamingStrategy{})
		if err != nil {
			t.Fatalf("parse %T: %v", m, err)
		}
		if _, dup := out[sch.Table]; dup {
			t.Fatalf("two models map to table %s", sch.Table)
		}
		out[sch.Table] = sch
	}
	return out
}

// dbSchema is what a migrated database holds, in a form both dialects share.
type dbSchema map[string]*dbTable

type dbTable struct {
	columns map[string]gorm.ColumnType
	indexes map[string]dbIndex // by name, primary key excluded
	fks     map[string]dbFK    // by column
}

type dbIndex struct {
	unique  bool
	columns []string
}

func (i dbIndex) String() string {
	u := ""
	if i.unique {
		u = "unique "
	}
	return u + "(" + strings.Join(i.columns, ", ") + ")"
}

type dbFK struct {
	parent   string
	onDelete string // "restrict" or "cascade"
}

// appTables lists the tables of the database except goose's and SQLite's own.
func appTables(t *testing.T, s *store.Store) []string {
	t.Helper()
	names, err := s.DB(context.Background()).Migrator().GetTables()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range names {
		// search_* are full-text index tables kept by triggers (migration 00180), not models;
		// on SQLite they include FTS5's shadow tables.
		if n == "goose_db_version" || strings.HasPrefix(n, "sqlite_") || strings.HasPrefix(n, "search_") {
			continue
		}
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func inspect(t *testing.T, s *store.Store) dbSchema {
	t.Helper()
	ctx := context.Background()
	db := s.DB(ctx)
	out := dbSchema{}
	for _, name := range appTables(t, s) {
		tab := &dbTable{columns: map[string]gorm.ColumnType{}, indexes: map[string]dbIndex{}, fks: map[string]dbFK{}}
		out[name] = tab
		cols, err := db.Migrator().ColumnTypes(name)
		if err != nil {
			t.Fatalf("columns of %s: %v", name, err)
		}
		for _, c := range cols {
			tab.columns[c.Name()] = c
		}
		idxs, err := db.Migrator().GetIndexes(name)
		if err != nil {
			t.Fatalf("indexes of %s: %v", name, err)
		}
		for _, ix := range idxs {
			if pk, _ := ix.PrimaryKey(); pk || ix.Name() == "PRIMARY" {
				continue
			}
			u, _ := ix.Unique()
			tab.indexes[ix.Name()] = dbIndex{unique: u, columns: ix.Columns()}
		}
		type fkRow struct{ Col, Parent, OnDelete string }
		var fks []fkRow
		q := `SELECT "from" AS col, "table" AS parent, on_delete FROM pragma_foreign_key_list(?)`
		if s.Dialect() == migrations.MySQL {
			q = `SELECT k.COLUMN_NAME AS col, k.REFERENCED_TABLE_NAME AS parent, r.DELETE_RULE AS on_delete
				FROM information_schema.KEY_COLUMN_USAGE k
				JOIN information_schema.REFERENTIAL_CONSTRAINTS r
				  ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
				WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = ? AND k.REFERENCED_TABLE_NAME IS NOT NULL`
		}
		if err := db.Raw(q, name).Scan(&fks).Error; err != nil {
			t.Fatalf("foreign keys of %s: %v", name, err)
		}
		for _, fk := range fks {
			del := strings.ToLower(fk.OnDelete)
			if del == "no action" {
				del = "restrict" // the two are the same unless constraints are deferred
			}
			tab.fks[fk.Col] = dbFK{parent: fk.Parent, onDelete: del}
		}
	}
	return out
}

// TestSchemaMatchesModels checks every model against the migrated database: its table
// exists, every field is a column of a matching type and nullability (pointer = NULL),
// no column lacks a field, and every index the tags declare exists under that name.
func TestSchemaMatchesModels(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		db := s.DB(ctx)
		schemas := parse(t)
		got := inspect(t, s)

		var want []string
		for name := range schemas {
			want = append(want, name)
		}
		sort.Strings(want)
		if tables := appTables(t, s); !slices.Equal(tables, want) {
			t.Errorf("tables:\n got %v\nwant %v", tables, want)
		}

		for table, sch := range schemas {
			model := reflect.New(sch.ModelType).Interface()
			if !db.Migrator().HasTable(model) {
				t.Errorf("%s: table missing", table)
				continue
			}
			tab := got[table]
			fields := map[string]bool{}
			for _, f := range sch.Fields {
				if f.DBName == "" {
					continue
				}
				fields[f.DBName] = true
				if !db.Migrator().HasColumn(model, f.DBName) {
					t.Errorf("%s.%s (%s.%s): column missing", table, f.DBName, sch.Name, f.Name)
					continue
				}
				col, ok := tab.columns[f.DBName]
				if !ok {
					t.Errorf("%s.%s: not among the column types", table, f.DBName)
					continue
				}
				checkColumn(t, s.Dialect(), table, f, col)
			}
			for name := range tab.columns {
				if !fields[name] {
					t.Errorf("%s.%s: column has no field in %s", table, name, sch.Name)
				}
			}
			for _, ix := range sch.ParseIndexes() {
				var cols []string
				for _, o := range ix.Fields {
					cols = append(cols, o.DBName)
				}
				want := dbIndex{unique: ix.Class == "UNIQUE", columns: cols}
				if !db.Migrator().HasIndex(model, ix.Name) {
					t.Errorf("%s: index %s %v missing", table, ix.Name, want)
					continue
				}
				if have := tab.indexes[ix.Name]; have.String() != want.String() {
					t.Errorf("%s: index %s is %v, the model declares %v", table, ix.Name, have, want)
				}
			}
		}
	})
}

// checkColumn compares one column's type and nullability with its field.
func checkColumn(t *testing.T, dialect, table string, f *schema.Field, col gorm.ColumnType) {
	t.Helper()
	where := table + "." + f.DBName
	pointer := f.FieldType.Kind() == reflect.Pointer
	if f.PrimaryKey {
		if pk, ok := col.PrimaryKey(); ok && !pk {
			t.Errorf("%s: not the primary key", where)
		}
		if ai, ok := col.AutoIncrement(); ok && ai != f.AutoIncrement {
			t.Errorf("%s: auto-increment %v, the model wants %v", where, ai, f.AutoIncrement)
		}
	} else if nullable, ok := col.Nullable(); ok {
		blobish := f.IndirectFieldType.Kind() == reflect.Slice
		switch {
		case pointer && !nullable:
			t.Errorf("%s: %s is a pointer but the column is NOT NULL", where, f.Name)
		case !pointer && !blobish && nullable:
			t.Errorf("%s: %s is not a pointer but the column allows NULL", where, f.Name)
		}
	}

	kind := f.IndirectFieldType.Kind()
	if dialect == migrations.SQLite {
		var want string
		switch f.DataType {
		case schema.Time:
			want = "DATETIME" // the modernc driver returns time.Time only for DATE/DATETIME/TIMESTAMP
		case schema.Uint, schema.Int, schema.Bool:
			want = "INTEGER"
		case schema.Float:
			want = "REAL"
		case schema.String, "text":
			want = "TEXT"
		case schema.Bytes:
			want = "BLOB"
		}
		got := strings.ToUpper(col.DatabaseTypeName())
		if want == "TEXT" && strings.HasPrefix(got, "VARCHAR") {
			got = "TEXT" // same affinity; SQLite ignores the length
		}
		if got != want {
			t.Errorf("%s: SQLite type %s, want %s", where, got, want)
		}
		return
	}
	full, _ := col.ColumnType()
	full = strings.ToLower(full)
	ok := false
	switch f.DataType {
	case schema.Time:
		ok = full == "datetime(6)"
	case schema.Uint:
		ok = strings.HasPrefix(full, "bigint") && strings.HasSuffix(full, "unsigned")
	case schema.Int:
		if kind == reflect.Int64 {
			ok = strings.HasPrefix(full, "bigint") && !strings.Contains(full, "unsigned")
		} else {
			ok = (strings.HasPrefix(full, "int") || strings.HasPrefix(full, "bigint")) && !strings.Contains(full, "unsigned")
		}
	case schema.Bool:
		ok = full == "tinyint(1)"
	case schema.Float:
		ok = full == "double"
	case schema.String:
		ok = full == fmt.Sprintf("varchar(%d)", f.Size)
	case "text":
		ok = full == "mediumtext" || full == "longtext"
	case schema.Bytes:
		ok = strings.HasPrefix(full, "varbinary(") || strings.HasSuffix(full, "blob")
	}
	if !ok {
		t.Errorf("%s: MySQL type %s does not fit %s %s (size %d)", where, full, f.Name, f.FieldType, f.Size)
	}
}

// TestDialectsAgree compares the two migrated schemas: same tables, columns, nullability,
// index names and columns, and foreign keys. Types differ by design and are checked
// against the models instead.
func TestDialectsAgree(t *testing.T) {
	lite := inspect(t, testdb.SQLite(t))
	my := inspect(t, testdb.MySQL(t))
	var liteNames, myNames []string
	for n := range lite {
		liteNames = append(liteNames, n)
	}
	for n := range my {
		myNames = append(myNames, n)
	}
	sort.Strings(liteNames)
	sort.Strings(myNames)
	if !slices.Equal(liteNames, myNames) {
		t.Fatalf("tables differ:\n sqlite %v\n  mysql %v", liteNames, myNames)
	}
	for _, name := range liteNames {
		a, b := lite[name], my[name]
		for col, ca := range a.columns {
			cb, ok := b.columns[col]
			if !ok {
				t.Errorf("%s.%s: only on SQLite", name, col)
				continue
			}
			na, _ := ca.Nullable()
			nb, _ := cb.Nullable()
			if pk, _ := ca.PrimaryKey(); !pk && na != nb {
				t.Errorf("%s.%s: nullable on SQLite %v, on MySQL %v", name, col, na, nb)
			}
		}
		for col := range b.columns {
			if _, ok := a.columns[col]; !ok {
				t.Errorf("%s.%s: only on MySQL", name, col)
			}
		}
		for ix, ia := range a.indexes {
			if ib, ok := b.indexes[ix]; !ok {
				t.Errorf("%s: index %s only on SQLite", name, ix)
			} else if ia.String() != ib.String() {
				t.Errorf("%s: index %s is %v on SQLite, %v on MySQL", name, ix, ia, ib)
			}
		}
		for ix := range b.indexes {
			if _, ok := a.indexes[ix]; !ok {
				t.Errorf("%s: index %s only on MySQL (an implicit foreign-key index? declare it on both)", name, ix)
			}
		}
		for col, fa := range a.fks {
			if fb, ok := b.fks[col]; !ok || fa != fb {
				t.Errorf("%s.%s: foreign key %+v on SQLite, %+v on MySQL", name, col, fa, fb)
			}
		}
		for col, fb := range b.fks {
			if _, ok := a.fks[col]; !ok {
				t.Errorf("%s.%s: foreign key %+v only on MySQL", name, col, fb)
			}
		}
	}
}

// sampleTime has microseconds (the precision both databases keep) and is UTC.
var sampleTime = time.Date(2031, 2, 3, 4, 5, 6, 123456000, time.UTC)

// blobSizes are the largest values some blob columns must hold; others get 512 bytes.
var blobSizes = map[string]int{
	"attachments.data":        200 << 10, // more than a MySQL BLOB (64 KiB) holds
	"card_keys.secret_cipher": 4 << 10,
}

// sampleString returns n characters mixing 1-, 2-, 3- and 4-byte UTF-8, so a column that
// is too short or not utf8mb4 fails loudly.
func sampleString(n int) string {
	rs := []rune("aé中😀")
	var b strings.Builder
	for i := range n {
		b.WriteRune(rs[i%len(rs)])
	}
	return b.String()
}

var jsonType = reflect.TypeFor[models.JSON]()

// sampleValue is the value fillEveryTable writes to a field: the maximum size where a
// size is declared, 80 KB for unbounded text (more than a MySQL TEXT holds), 1 for every
// id (each table gets one row, id 1, so every reference resolves).
func sampleValue(table string, f *schema.Field) reflect.Value {
	ft := f.IndirectFieldType
	switch {
	case ft == reflect.TypeFor[time.Time]():
		return reflect.ValueOf(sampleTime)
	case ft == jsonType:
		return reflect.ValueOf(models.JSON(`{"note":"` + strings.Repeat("😀", 20000) + `","n":1}`))
	case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Uint8:
		n := blobSizes[table+"."+f.DBName]
		if n == 0 {
			n = 512
		}
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i * 7)
		}
		return reflect.ValueOf(b)
	}
	switch ft.Kind() {
	case reflect.String:
		if f.Size > 0 {
			return reflect.ValueOf(sampleString(f.Size)).Convert(ft)
		}
		return reflect.ValueOf(strings.Repeat("body 😀 ", 10000)).Convert(ft)
	case reflect.Uint64:
		return reflect.ValueOf(uint64(1)).Convert(ft)
	case reflect.Int:
		return reflect.ValueOf(2_000_000_000).Convert(ft)
	case reflect.Int64:
		return reflect.ValueOf(int64(1) << 53).Convert(ft)
	case reflect.Float64:
		return reflect.ValueOf(0.75).Convert(ft)
	case reflect.Bool:
		return reflect.ValueOf(true).Convert(ft)
	}
	panic(fmt.Sprintf("%s.%s: no sample for %s", table, f.DBName, ft))
}

// insertionOrder sorts tables so that every parent comes before its children, using the
// foreign keys the database reports.
func insertionOrder(t *testing.T, got dbSchema) []string {
	t.Helper()
	var order []string
	done := map[string]bool{}
	for len(order) < len(got) {
		progress := false
		for _, name := range sortedKeys(got) {
			if done[name] {
				continue
			}
			ready := true
			for _, fk := range got[name].fks {
				if fk.parent != name && !done[fk.parent] {
					ready = false
				}
			}
			if ready {
				done[name] = true
				order = append(order, name)
				progress = true
			}
		}
		if !progress {
			t.Fatalf("foreign keys form a cycle; ordered so far: %v", order)
		}
	}
	return order
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// fillEveryTable writes one row with every field set (see sampleValue) to every table,
// and reads each back through GORM, checking every value survived unchanged.
func fillEveryTable(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	schemas := parse(t)
	for _, table := range insertionOrder(t, inspect(t, s)) {
		sch := schemas[table]
		if sch == nil {
			t.Fatalf("table %s has no model", table)
		}
		want := reflect.New(sch.ModelType)
		for _, f := range sch.Fields {
			if f.DBName == "" || f.PrimaryKey && f.AutoIncrement {
				continue // auto-increment ids come out as 1: one row a table
			}
			v := sampleValue(table, f)
			if f.FieldType.Kind() == reflect.Pointer {
				p := reflect.New(f.IndirectFieldType)
				p.Elem().Set(v)
				v = p
			}
			f.ReflectValueOf(ctx, want).Set(v)
		}
		if err := s.DB(ctx).Create(want.Interface()).Error; err != nil {
			t.Fatalf("insert into %s: %v", table, err)
		}
		got := reflect.New(sch.ModelType)
		if err := s.DB(ctx).Take(got.Interface(), 1).Error; err != nil {
			t.Fatalf("read %s id 1: %v", table, err)
		}
		for _, f := range sch.Fields {
			if f.DBName == "" {
				continue
			}
			w, g := f.ReflectValueOf(ctx, want), f.ReflectValueOf(ctx, got)
			if msg := diff(w, g); msg != "" {
				t.Errorf("%s.%s: %s", table, f.DBName, msg)
			}
		}
	}
}

// diff compares a written and a read-back value; times must be equal instants in UTC.
func diff(want, got reflect.Value) string {
	if want.Kind() == reflect.Pointer {
		if want.IsNil() != got.IsNil() {
			return fmt.Sprintf("nil %v, read back nil %v", want.IsNil(), got.IsNil())
		}
		if want.IsNil() {
			return ""
		}
		want, got = want.Elem(), got.Elem()
	}
	switch w := want.Interface().(type) {
	case time.Time:
		g := got.Interface().(time.Time)
		if !g.Equal(w) || g.Location() != time.UTC {
			return fmt.Sprintf("wrote %s, read back %s (%s)", w.Format(time.RFC3339Nano), g.Format(time.RFC3339Nano), g.Location())
		}
		return ""
	}
	if want.Kind() == reflect.Slice && want.Type().Elem().Kind() == reflect.Uint8 {
		if !bytes.Equal(want.Bytes(), got.Bytes()) {
			return fmt.Sprintf("wrote %d bytes, read back %d different bytes", want.Len(), got.Len())
		}
		return ""
	}
	if !reflect.DeepEqual(want.Interface(), got.Interface()) {
		ws, gs := fmt.Sprint(want.Interface()), fmt.Sprint(got.Interface())
		if len(ws) > 80 || len(gs) > 80 {
			return fmt.Sprintf("wrote %d characters, read back %d different ones", len([]rune(ws)), len([]rune(gs)))
		}
		return fmt.Sprintf("wrote %q, read back %q", ws, gs)
	}
	return ""
}

// TestEveryModelRoundTrips writes a fully populated row of every model (maximum-length
// multi-byte strings, large text and blobs, microsecond UTC times) and reads it back.
func TestEveryModelRoundTrips(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *store.Store) {
		fillEveryTable(t, s)
	})
}
