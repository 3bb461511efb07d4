package models

import (
	"strconv"
	"strings"
)

// currencyDecimals are the currencies whose minor unit is not a hundredth (ISO 4217).
var currencyDecimals = map[string]int{"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3, "TND": 3}

// currencySymbols are the symbols written before an amount; other currencies are written
// as the amount followed by the ISO code.
var currencySymbols = map[string]string{"CNY": "¥", "JPY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "HKD": "HK$", "TWD": "NT$",
	"KRW": "₩", "SGD": "S$", "AUD": "A$", "CAD": "C$", "RUB": "₽", "INR": "₹"}

// CurrencyDecimals is the number of decimals of the currency's minor unit (2 unless ISO
// 4217 says otherwise).
func CurrencyDecimals(currency string) int {
	if d, ok := currencyDecimals[strings.ToUpper(currency)]; ok {
		return d
	}
	return 2
}

// FormatMoney writes an amount in minor units in major units with its currency, as people
// and banks read it: 1000 CNY is "¥10.00", 1500 JPY "¥1500", 1234 XYZ "12.34 XYZ".
func FormatMoney(minor int64, currency string) string {
	cur := strings.ToUpper(strings.TrimSpace(currency))
	sign := ""
	u := uint64(minor)
	if minor < 0 {
		sign, u = "-", uint64(-minor)
	}
	d := CurrencyDecimals(cur)
	num := strconv.FormatUint(u, 10)
	if d > 0 {
		for len(num) <= d {
			num = "0" + num
		}
		num = num[:len(num)-d] + "." + num[len(num)-d:]
	}
	if sym, ok := currencySymbols[cur]; ok {
		return sign + sym + num
	}
	if cur == "" {
		return sign + num
	}
	return sign + num + " " + cur
}
