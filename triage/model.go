package triage

import (
	"bytes"
	"crypto/sha256"
	_ "embed" // the trained weights are embedded
	"encoding/binary"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math"
	"sort"
	"sync"
)

// The intent model: multinomial logistic regression over the features of features.go,
// trained by stochastic gradient descent with L2 regularisation and feature dropout (each
// epoch leaves out 30% of every example's features, scaled so that the expected score is
// the full one: the model spreads weight over all the words of a phrasing instead of one,
// which read 3 points more of a development set of new phrasings right). Training is
// deterministic (the examples are visited in an order fixed by hashing their ids and the
// epoch, and the dropped features are chosen by hashing the id, the epoch and the
// feature). It takes about 100-200 ms on the tuning split, too slow for every start, so the
// trained weights are written to model.gob by `go generate ./triage/` (which runs
// internal/trainmodel) and embedded; TestEmbeddedModelIsCurrent fails when the corpus or
// the settings changed without regenerating. Version names the corpus examples and the
// settings the model was trained from. (The generator compiles this package, so model.gob
// must exist to regenerate it: after deleting it, `touch triage/model.gob` first.)

//go:generate go run ./internal/trainmodel -out model.gob

//go:embed model.gob
var modelGob []byte

// featureVersion changes whenever features.go, tones.go, lexicon.go, rules.go or entities.go (whose
// order numbers become placeholders) change what the model sees, so the version of a retrained
// model changes with it.
const featureVersion = 16

// intents is the model's output order.
var intents = []Category{KeyMissing, KeyInvalid, Refund, Dispute, Account, Other}

// TrainOptions are the training settings.
type TrainOptions struct {
	Epochs int
	// Rate is the initial learning rate; it decays as Rate/(1+Decay*epoch).
	Rate, Decay float64
	// L2 is the regularisation strength per example step.
	L2 float64
	// Temperature divides the scores before the softmax (calibration; 1 = none).
	Temperature float64
	// Dropout is the share of an example's features left out in each epoch (chosen by a
	// hash of the example, the epoch and the feature, so training stays deterministic): the
	// model cannot lean on one strong feature and spreads weight over the others, which is
	// what carries to phrasings it never saw. 0 = none.
	Dropout float64
	// Members > 1 trains that many models, each with its own dropout masks and example
	// order, and averages their weights. The model is linear, so the averaged weights
	// score a text exactly as the average of the members' scores would: an ensemble the
	// size of one model. 0 or 1 = one model.
	Members int
}

// DefaultTrainOptions are the settings the embedded model is trained with. They were chosen
// by grouped cross-validation on the tuning split (see TestCrossValidatedSettings) and on
// the development sets testdata/dev_tmodel*.tsv (`go run ./triage/internal/tmeval`), never
// on the corpus's held-out split or the fresh held-out sets.
var DefaultTrainOptions = TrainOptions{Epochs: 50, Rate: 0.5, Decay: 0.15, L2: 1e-4, Temperature: 1, Dropout: 0.3, Members: 4}

// Model is a trained intent model. It is immutable and safe for concurrent use.
type Model struct {
	vocab   map[string]int32
	weights []float64 // len(vocab)*len(intents), feature-major
	bias    []float64
	temp    float64
	version string
}

// Prediction is the model's reading of one text.
type Prediction struct {
	Intent Category
	// Rule names the rule that decided the intent ("thanks", "dispute", "threat": a threat read
	// as what it accompanies), "" when the model did.
	Rule string
	// Confidence is the softmax probability of Intent (0..1).
	Confidence float64
	// Probs holds the probability of every intent.
	Probs map[Category]float64
}

// trainDoc is one training example as feature ids.
type trainDoc struct {
	feats []int32
	label int
	id    string
}

// Train fits a model on labelled examples.
func Train(examples []Example, o TrainOptions) *Model {
	m := &Model{vocab: map[string]int32{}, bias: make([]float64, len(intents)), temp: o.Temperature}
	if m.temp <= 0 {
		m.temp = 1
	}
	docs := m.buildVocab(examples)
	members := max(o.Members, 1)
	sumW := make([]float64, len(m.vocab)*len(intents))
	sumB := make([]float64, len(intents))
	for member := range members {
		m.weights = make([]float64, len(m.vocab)*len(intents))
		m.bias = make([]float64, len(intents))
		m.fit(docs, o, member)
		for i, w := range m.weights {
			sumW[i] += w
		}
		for i, b := range m.bias {
			sumB[i] += b
		}
	}
	for i := range sumW {
		sumW[i] /= float64(members)
	}
	for i := range sumB {
		sumB[i] /= float64(members)
	}
	m.weights, m.bias = sumW, sumB
	m.version = modelVersion(examples, o)
	return m
}

// fit runs stochastic gradient descent over the examples from m's current weights. Each
// member of an ensemble draws its own example order and dropout masks (member 0 draws
// those of a single model).
func (m *Model) fit(docs []trainDoc, o TrainOptions, member int) {
	order := make([]int, len(docs))
	for ep := 0; ep < o.Epochs; ep++ {
		key := ep + member<<24
		for i := range order {
			order[i] = i
		}
		sort.Slice(order, func(a, b int) bool {
			return shuffleKey(docs[order[a]].id, key) < shuffleKey(docs[order[b]].id, key)
		})
		rate := o.Rate / (1 + o.Decay*float64(ep))
		for _, di := range order {
			d := docs[di]
			// Inverted dropout: the kept features are scaled so that the expected score
			// equals the score of all features at prediction time.
			val := 0.0
			if len(d.feats) > 0 {
				val = 1 / math.Sqrt(float64(len(d.feats))) / (1 - o.Dropout)
			}
			m.step(d, keptFeatures(d, key, o.Dropout), val, rate, o.L2)
		}
	}
}

// buildVocab numbers the features of the examples (sorted, so the numbering is
// deterministic) and returns the examples as feature ids.
func (m *Model) buildVocab(examples []Example) []trainDoc {
	featsOf := make([][]string, len(examples))
	all := map[string]bool{}
	for i, e := range examples {
		featsOf[i] = uniq(features(e.Text))
		for _, f := range featsOf[i] {
			all[f] = true
		}
	}
	names := make([]string, 0, len(all))
	for f := range all {
		names = append(names, f)
	}
	sort.Strings(names)
	for i, f := range names {
		m.vocab[f] = int32(i)
	}
	docs := make([]trainDoc, 0, len(examples))
	for i, e := range examples {
		d := trainDoc{label: intentIndex(e.Intent), id: e.ID}
		for _, f := range featsOf[i] {
			d.feats = append(d.feats, m.vocab[f])
		}
		docs = append(docs, d)
	}
	return docs
}

// keptFeatures is the example's features less those dropped out in this epoch (never all
// of them).
func keptFeatures(d trainDoc, epoch int, dropout float64) []int32 {
	if dropout <= 0 || len(d.feats) < 2 {
		return d.feats
	}
	seed := shuffleKey(d.id, epoch+1<<20)
	limit := uint64(dropout * (1 << 32))
	kept := make([]int32, 0, len(d.feats))
	for _, f := range d.feats {
		if mix64(seed^uint64(f))&(1<<32-1) >= limit {
			kept = append(kept, f)
		}
	}
	if len(kept) == 0 {
		return d.feats[:1]
	}
	return kept
}

// step is one stochastic gradient step of the regularised log loss on one example.
// Every feature has the value val.
func (m *Model) step(d trainDoc, feats []int32, val, rate, l2 float64) {
	k := len(intents)
	scores := make([]float64, k)
	copy(scores, m.bias)
	for _, f := range feats {
		w := m.weights[int(f)*k : int(f)*k+k]
		for c := range scores {
			scores[c] += w[c] * val
		}
	}
	softmax(scores, 1)
	for c := range scores {
		g := scores[c]
		if c == d.label {
			g--
		}
		m.bias[c] -= rate * g
		for _, f := range feats {
			idx := int(f)*k + c
			m.weights[idx] -= rate * (g*val + l2*m.weights[idx])
		}
	}
}

// mix64 is the SplitMix64 finaliser: a well-spread hash of x.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// Predict reads a text.
func (m *Model) Predict(text string) Prediction {
	return m.predictClauses(tokens(normalize(text)))
}

func (m *Model) predictClauses(clauses [][]token) Prediction {
	k := len(intents)
	scores := make([]float64, k)
	copy(scores, m.bias)
	var ids []int32
	for _, f := range uniq(clauseFeatures(clauses)) {
		if id, ok := m.vocab[f]; ok {
			ids = append(ids, id)
		}
	}
	if len(ids) > 0 {
		val := 1 / math.Sqrt(float64(len(ids)))
		for _, id := range ids {
			w := m.weights[int(id)*k : int(id)*k+k]
			for c := range scores {
				scores[c] += w[c] * val
			}
		}
	}
	softmax(scores, m.temp)
	p := Prediction{Probs: make(map[Category]float64, k)}
	best := 0
	for c, s := range scores {
		p.Probs[intents[c]] = s
		if s > scores[best] {
			best = c
		}
	}
	p.Intent, p.Confidence = intents[best], scores[best]
	return p
}

// Read is Predict combined with the rules of rules.go: when a rule applies and the model
// disagrees, the rule's intent wins with confidence max(ruleConfidence, its probability).
func (m *Model) Read(text string) Prediction {
	return m.readClauses(tokens(normalize(text)))
}

// readClauses is Read on text already normalised and tokenised.
func (m *Model) readClauses(clauses [][]token) Prediction {
	p := m.predictClauses(clauses)
	r := ruleVerdict(clauses)
	if r == "" && p.Intent == Dispute && onlyThreatens(clauses) {
		// A threat is read as what it accompanies: the likeliest other intent.
		best := Other
		for _, c := range intents {
			if c != Dispute && p.Probs[c] > p.Probs[best] {
				best = c
			}
		}
		p.Intent, p.Confidence, p.Rule = best, p.Probs[best], "threat"
		return p
	}
	if r == "" && p.Intent == KeyInvalid && isLoginCodeProblem(plainText(clauses)) {
		// The shop's sign-in code, not a card's: account, at the model's own confidence in it.
		p.Intent, p.Confidence, p.Rule = Account, p.Probs[Account], "login-code"
		return p
	}
	if r == "" && p.Intent != Account && p.Intent != Other {
		// Asked before buying, or settled by its last words: other, at the model's own
		// confidence in it.
		if plain := plainText(clauses); isPresaleQuestion(plain) {
			p.Intent, p.Confidence, p.Rule = Other, p.Probs[Other], "presale"
			return p
		} else if endsResolved(plain) {
			p.Intent, p.Confidence, p.Rule = Other, p.Probs[Other], "resolved"
			return p
		}
	}
	if r == "" && p.Intent == Account && isThirdPartyAccountTrouble(plainText(clauses)) {
		// Someone else's platform (QQ, Alipay, a game): other, at the model's own confidence in it.
		p.Intent, p.Confidence, p.Rule = Other, p.Probs[Other], "third-party-account"
		return p
	}
	if r == "" {
		return p
	}
	p.Intent, p.Confidence = r, math.Max(ruleConfidence, p.Probs[r])
	p.Rule = map[Category]string{Other: "thanks", Dispute: "dispute"}[r]
	return p
}

// Version names the model: the corpus examples and settings it was trained from.
func (m *Model) Version() string { return m.version }

// Features is the number of features the model knows.
func (m *Model) Features() int { return len(m.vocab) }

func intentIndex(c Category) int {
	for i, k := range intents {
		if k == c {
			return i
		}
	}
	return len(intents) - 1 // Other
}

func softmax(s []float64, temp float64) {
	mx := math.Inf(-1)
	for _, v := range s {
		mx = math.Max(mx, v)
	}
	sum := 0.0
	for i, v := range s {
		s[i] = math.Exp((v - mx) / temp)
		sum += s[i]
	}
	for i := range s {
		s[i] /= sum
	}
}

func shuffleKey(id string, epoch int) uint64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(epoch))
	_, _ = h.Write(b[:])
	_, _ = h.Write([]byte(id))
	return h.Sum64()
}

func uniq(fs []string) []string {
	seen := make(map[string]bool, len(fs))
	out := fs[:0:0]
	for _, f := range fs {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

func modelVersion(examples []Example, o TrainOptions) string {
	h := sha256.New()
	_, _ = fmt.Fprintf(h, "%+v\n", o)
	for _, e := range examples {
		_, _ = fmt.Fprintf(h, "%s\t%s\t%s\n", e.ID, e.Intent, e.Text)
	}
	_, _ = fmt.Fprintf(h, "features v%d\n", featureVersion)
	return "lr1-" + hex.EncodeToString(h.Sum(nil))[:10]
}

// modelFile is the serialised form of a Model.
type modelFile struct {
	Version string
	Vocab   []string
	Weights []float64
	Bias    []float64
	Temp    float64
}

// MarshalBinary encodes the model (gob).
func (m *Model) MarshalBinary() ([]byte, error) {
	f := modelFile{Version: m.version, Vocab: make([]string, len(m.vocab)), Weights: m.weights, Bias: m.bias, Temp: m.temp}
	for w, i := range m.vocab {
		f.Vocab[i] = w
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(f); err != nil {
		return nil, fmt.Errorf("encode triage model: %w", err)
	}
	return b.Bytes(), nil
}

// UnmarshalModel decodes a model written by MarshalBinary.
func UnmarshalModel(b []byte) (*Model, error) {
	var f modelFile
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&f); err != nil {
		return nil, fmt.Errorf("decode triage model: %w", err)
	}
	if len(f.Weights) != len(f.Vocab)*len(intents) || len(f.Bias) != len(intents) {
		return nil, fmt.Errorf("decode triage model: %d weights for %d features", len(f.Weights), len(f.Vocab))
	}
	m := &Model{vocab: make(map[string]int32, len(f.Vocab)), weights: f.Weights, bias: f.Bias, temp: f.Temp, version: f.Version}
	for i, w := range f.Vocab {
		m.vocab[w] = int32(i)
	}
	if m.temp <= 0 {
		m.temp = 1
	}
	return m, nil
}

// TrainBuiltin trains the built-in model: the tuning split of the embedded corpus with
// DefaultTrainOptions. `go generate` stores its result in model.gob.
func TrainBuiltin() (*Model, error) {
	tune, _, err := Split()
	if err != nil {
		return nil, err
	}
	return Train(tune, DefaultTrainOptions), nil
}

var (
	builtinOnce sync.Once
	builtin     *Model
	errBuiltin  error
)

// EmbeddedModelSize is the size in bytes of the embedded weights.
func EmbeddedModelSize() int { return len(modelGob) }

// LoadBuiltinModel decodes the embedded weights afresh (BuiltinModel caches one decode).
func LoadBuiltinModel() (*Model, error) { return UnmarshalModel(modelGob) }

// BuiltinModel returns the embedded model (decoded once, on first use).
func BuiltinModel() (*Model, error) {
	builtinOnce.Do(func() { builtin, errBuiltin = UnmarshalModel(modelGob) })
	return builtin, errBuiltin
}
