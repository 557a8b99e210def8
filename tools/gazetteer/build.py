#!/usr/bin/env python3
"""Build replyscope's general company gazetteer from openly licensed lists.

Usage:
    python3 tools/gazetteer/build.py --corpora ../shared/corpora --out src/tag/data/companies.jsonl

Reads (never writes) the folders under CORPORA/companies-open/ (NSI, OpenTravelData, S&P 500,
Simple Icons), CORPORA/names-places/ (US census names, world cities) and CORPORA/ud-english-ewt/
(word frequencies only: no treebank text reaches the output), plus the hand-made gazetteer
tools/gazetteer/stable_ids.toml (only to keep its ids). The share-alike lists in
CORPORA/companies-open/ (OpenFlights, ODbL; MCC-MNC, CC BY-SA) are not read. Writes one JSON object per company, sorted by
id. Standard library only; the same inputs give byte-identical output. Counts go to stderr.
See tools/gazetteer/README.md for what is chosen, how, and why.
"""

import argparse
import collections
import csv
import json
import os
import re
import sys
import unicodedata

try:  # Python 3.11+
    import tomllib
except ImportError:  # pragma: no cover
    tomllib = None

# ---------------------------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------------------------

# Countries whose companies an English-language researcher of customer service meets most.
TARGET = ("us", "gb", "ca", "au", "ie", "in", "nz")
TARGET_SET = set(TARGET)
# NSI region codes (UN M49 and NSI's own) that cover target countries.
REGION_CODES = {
    "001": set(TARGET),
    "150": {"gb", "ie"},          # Europe
    "154": {"gb", "ie"},          # Northern Europe
    "003": {"us", "ca"},          # North America
    "021": {"us", "ca"},          # Northern America
    "019": {"us", "ca"},          # Americas
    "009": {"au", "nz"},          # Oceania
    "053": {"au", "nz"},          # Australia and New Zealand
    "142": {"in"},                # Asia
    "034": {"in"},                # Southern Asia
    "conus": {"us"},
}
COUNTRY_NAME_TO_CODE = {
    "United States": "us", "United Kingdom": "gb", "Canada": "ca", "Australia": "au",
    "Ireland": "ie", "India": "in", "New Zealand": "nz",
}

CATEGORIES = (
    "airline", "bank", "lender", "card_issuer", "credit_bureau", "debt_collector", "insurer",
    "telecom", "cable", "retailer", "supermarket", "restaurant", "hotel", "carrier", "car_maker",
    "car_rental", "utility", "software_web", "travel", "rail", "transit", "entertainment",
    "other_consumer",
)

# NSI file path -> category. Paths not listed are not companies of interest (schools, hospitals,
# government offices, charities, street furniture ...) and are skipped.
NSI_BRAND_CATEGORY = {
    "amenity/bank": "bank", "amenity/money_transfer": "bank", "amenity/bureau_de_change": "bank",
    "amenity/cafe": "restaurant", "amenity/fast_food": "restaurant",
    "amenity/restaurant": "restaurant", "amenity/ice_cream": "restaurant", "amenity/pub": "restaurant",
    "amenity/bar": "restaurant",
    "amenity/car_rental": "car_rental", "amenity/car_sharing": "car_rental",
    "amenity/motorcycle_rental": "car_rental",
    "amenity/fuel": "retailer", "amenity/pharmacy": "retailer",
    "amenity/post_office": "carrier", "amenity/post_depot": "carrier",
    "amenity/parcel_locker": "carrier",
    "amenity/cinema": "entertainment", "amenity/casino": "entertainment",
    "amenity/karaoke_box": "entertainment", "amenity/gambling": "entertainment",
    "amenity/car_wash": "other_consumer", "amenity/charging_station": "other_consumer",
    "amenity/parking": "other_consumer", "amenity/vehicle_inspection": "other_consumer",
    "amenity/bicycle_rental": "transit", "amenity/internet_cafe": "other_consumer",
    "amenity/vending_machine": "other_consumer",
    "leisure/fitness_centre": "other_consumer", "leisure/sports_centre": "other_consumer",
    "leisure/bowling_alley": "entertainment", "leisure/amusement_arcade": "entertainment",
    "leisure/adult_gaming_centre": "entertainment", "leisure/escape_game": "entertainment",
    "leisure/trampoline_park": "entertainment", "leisure/indoor_play": "entertainment",
    "leisure/miniature_golf": "entertainment",
    "tourism/hotel": "hotel", "tourism/motel": "hotel", "tourism/hostel": "hotel",
    "tourism/caravan_site": "hotel", "tourism/theme_park": "entertainment",
    "office/insurance": "insurer", "office/insurance_adjuster": "insurer",
    "office/telecommunication": "telecom", "office/mortgage": "lender",
    "office/financial": "bank", "office/financial_advisor": "bank",
    "office/estate_agent": "other_consumer", "office/tax_advisor": "other_consumer",
    "office/moving_company": "other_consumer", "office/logistics": "carrier",
    "office/company": "other_consumer", "office/coworking": "other_consumer",
    "highway/services": "other_consumer",
    "craft/cleaning": "other_consumer", "craft/electronics_repair": "other_consumer",
    "craft/plumber": "other_consumer", "craft/window_construction": "other_consumer",
    "shop/supermarket": "supermarket", "shop/wholesale": "retailer",
    "shop/mobile_phone": "telecom", "shop/telecommunication": "telecom",
    "shop/car": "car_maker", "shop/money_lender": "lender", "shop/pawnbroker": "lender",
    "shop/travel_agency": "travel", "shop/ticket": "entertainment",
    "shop/bookmaker": "entertainment", "shop/lottery": "entertainment",
    "shop/rental": "car_rental", "shop/storage_rental": "other_consumer",
    "shop/car_repair": "other_consumer", "shop/dry_cleaning": "other_consumer",
    "shop/laundry": "other_consumer", "shop/hairdresser": "other_consumer",
    "shop/beauty": "other_consumer", "shop/massage": "other_consumer",
    "shop/tattoo": "other_consumer", "shop/funeral_directors": "other_consumer",
    "shop/copyshop": "other_consumer", "shop/photo": "other_consumer",
    "shop/locksmith": "other_consumer", "shop/pest_control": "other_consumer",
    "shop/shoe_repair": "other_consumer", "shop/repair": "other_consumer",
    "shop/tool_hire": "other_consumer", "shop/plant_hire": "other_consumer",
    "shop/motorcycle_repair": "other_consumer", "shop/truck_repair": "other_consumer",
}
# All other shop/* brand files are retailers, except these.
NSI_SHOP_SKIP = {"shop/charity", "shop/outpost", "shop/trade", "shop/agrarian", "shop/tractor",
                 "shop/tractor_repair", "shop/truck", "shop/groundskeeping", "shop/mall"}
NSI_OPERATOR_CATEGORY = {
    "amenity/post_office": "carrier", "amenity/post_depot": "carrier", "amenity/post_box": "carrier",
    "office/energy_supplier": "utility", "office/water_utility": "utility",
    "route/railway": "rail", "amenity/car_sharing": "car_rental",
    "shop/mobile_phone": "telecom", "shop/convenience": "retailer", "shop/bookmaker": "entertainment",
    "shop/ticket": "entertainment", "amenity/ticket_validator": "transit",
    "amenity/telephone": "telecom", "telecom/exchange": "telecom", "man_made/mast": "telecom",
    "man_made/street_cabinet": "telecom", "internet_access/wlan": "telecom",
    "power/line": "utility", "power/plant": "utility", "power/substation": "utility",
    "amenity/charging_station": "other_consumer", "amenity/parking": "other_consumer",
    "highway/toll_gantry": "other_consumer", "barrier/toll_booth": "other_consumer",
    "highway/services": "other_consumer",
}
# Operator files that name many small or non-consumer bodies: their items only join an entry
# made from another file or source, they never make one of their own.
NSI_OPERATOR_JOIN_ONLY = {
    "man_made/mast", "man_made/street_cabinet", "telecom/exchange", "power/plant",
    "power/substation", "amenity/charging_station", "amenity/parking", "amenity/telephone",
    "internet_access/wlan", "amenity/post_box", "highway/toll_gantry", "barrier/toll_booth",
    "amenity/ticket_validator", "highway/services", "shop/convenience", "shop/mobile_phone",
}
NSI_TRANSIT_CATEGORY = {
    "route/train": "rail", "route/subway": "transit", "route/light_rail": "transit",
    "route/tram": "transit", "route/bus": "transit", "route/ferry": "transit",
    "route/trolleybus": "transit", "route/aerialway": "transit",
}

# S&P 500 GICS sub-industry -> (category, may start an entry of its own). Sub-industries not
# listed are not consumer-facing (chemicals, semiconductors, REITs ...) and are skipped; the
# ones with False only join an entry that another source made.
SP500_CATEGORY = {
    "Passenger Airlines": ("airline", True),
    "Air Freight & Logistics": ("carrier", False),
    "Cargo Ground Transportation": ("carrier", False),
    "Passenger Ground Transportation": ("software_web", True),
    "Rail Transportation": ("rail", False),
    "Cable & Satellite": ("cable", True),
    "Integrated Telecommunication Services": ("telecom", True),
    "Wireless Telecommunication Services": ("telecom", True),
    "Interactive Media & Services": ("software_web", True),
    "Interactive Home Entertainment": ("entertainment", True),
    "Movies & Entertainment": ("entertainment", True),
    "Broadcasting": ("entertainment", False),
    "Apparel Retail": ("retailer", True),
    "Apparel, Accessories & Luxury Goods": ("retailer", True),
    "Automobile Manufacturers": ("car_maker", True),
    "Automotive Retail": ("retailer", True),
    "Broadline Retail": ("retailer", True),
    "Casinos & Gaming": ("entertainment", True),
    "Computer & Electronics Retail": ("retailer", True),
    "Consumer Electronics": ("other_consumer", True),
    "Footwear": ("retailer", False),
    "Home Improvement Retail": ("retailer", True),
    "Homefurnishing Retail": ("retailer", True),
    "Hotels, Resorts & Cruise Lines": ("hotel", True),
    "Leisure Products": ("other_consumer", False),
    "Other Specialty Retail": ("retailer", True),
    "Restaurants": ("restaurant", True),
    "Specialized Consumer Services": ("software_web", True),
    "Consumer Staples Merchandise Retail": ("retailer", True),
    "Food Retail": ("supermarket", True),
    "Soft Drinks & Non-alcoholic Beverages": ("other_consumer", True),
    "Brewers": ("other_consumer", False),
    "Packaged Foods & Meats": ("other_consumer", False),
    "Household Products": ("other_consumer", False),
    "Personal Care Products": ("other_consumer", False),
    "Integrated Oil & Gas": ("retailer", False),
    "Oil & Gas Refining & Marketing": ("retailer", False),
    "Consumer Finance": ("card_issuer", True),
    "Diversified Banks": ("bank", True),
    "Regional Banks": ("bank", True),
    "Investment Banking & Brokerage": ("bank", True),
    "Life & Health Insurance": ("insurer", True),
    "Multi-line Insurance": ("insurer", True),
    "Property & Casualty Insurance": ("insurer", True),
    "Managed Health Care": ("insurer", True),
    "Health Care Services": ("retailer", False),
    "Transaction & Payment Processing Services": ("card_issuer", False),
    "Research & Consulting Services": ("other_consumer", False),
    "Application Software": ("software_web", False),
    "Systems Software": ("software_web", False),
    "Internet Services & Infrastructure": ("software_web", False),
    "Technology Hardware, Storage & Peripherals": ("other_consumer", True),
    "Electric Utilities": ("utility", True),
    "Gas Utilities": ("utility", True),
    "Multi-Utilities": ("utility", True),
    "Water Utilities": ("utility", True),
    "Self-Storage REITs": ("other_consumer", False),
    "Trading Companies & Distributors": ("other_consumer", False),
    "Environmental & Facilities Services": ("utility", False),
}
SP500_START = {"Fair Isaac": "credit_bureau", "Equifax": "credit_bureau",
               "PayPal": "software_web", "Visa Inc.": "card_issuer", "Mastercard": "card_issuer",
               "Block, Inc.": "software_web", "Intuit": "software_web", "Adobe Inc.": "software_web",
               "Microsoft": "software_web", "Oracle Corporation": "software_web",
               "GoDaddy": "software_web", "Gen Digital": "software_web", "Salesforce": "software_web",
               "FedEx": "carrier", "United Parcel Service": "carrier", "Public Storage": "other_consumer",
               "Coca-Cola Company (The)": "other_consumer", "PepsiCo": "other_consumer",
               "Waste Management": "utility", "Republic Services": "utility",
               "CVS Health": "retailer", "Cigna": "insurer", "Chevron Corporation": "retailer",
               "ExxonMobil": "retailer", "Amtrak": "rail", "Nike, Inc.": "retailer",
               "Hasbro": "other_consumer", "Kraft Heinz": "other_consumer",
               "Carnival Corporation": "travel", "Royal Caribbean Group": "travel",
               "Norwegian Cruise Line Holdings": "travel", "Booking Holdings": "travel",
               "Expedia Group": "travel", "Airbnb": "travel"}

# Simple Icons is mostly developer tooling. Only these titles (consumer-facing companies and
# services) are taken, each with its category. Titles that are also in another source just add
# aliases there. Social platforms, review sites and news outlets are deliberately absent.
SIMPLE_ICONS_KEEP = {
    # airline
    "Aeroflot": "airline", "Aeroméxico": "airline", "Air Canada": "airline",
    "Air China": "airline", "Air France": "airline", "Air India": "airline",
    "Air Serbia": "airline", "Air Transat": "airline", "AirAsia": "airline",
    "Akasa Air": "airline", "American Airlines": "airline", "ANA": "airline", "avianca": "airline",
    "British Airways": "airline", "China Eastern Airlines": "airline",
    "China Southern Airlines": "airline", "Copa Airlines": "airline", "Delta": "airline",
    "easyJet": "airline", "Emirates": "airline", "Ethiopian Airlines": "airline",
    "Etihad Airways": "airline", "Iberia": "airline", "IndiGo": "airline",
    "Japan Airlines": "airline", "JetBlue": "airline", "KLM": "airline", "Lion Air": "airline",
    "LOT Polish Airlines": "airline", "Lufthansa": "airline", "Norwegian": "airline",
    "Pegasus Airlines": "airline", "Qantas": "airline", "Qatar Airways": "airline",
    "Ryanair": "airline", "S7 Airlines": "airline", "Saudia": "airline",
    "Silver Airways": "airline", "Singapore Airlines": "airline", "Southwest Airlines": "airline",
    "TAROM": "airline", "Turkish Airlines": "airline", "United Airlines": "airline",
    "Virgin Atlantic": "airline", "Wizz Air": "airline",
    # bank
    "AIB": "bank", "Axis Bank": "bank", "Bank of America": "bank", "Barclays": "bank",
    "bunq": "bank", "CaixaBank": "bank", "Chase": "bank", "Commerzbank": "bank",
    "Deutsche Bank": "bank", "FamPay": "bank", "Fineco": "bank", "Goldman Sachs": "bank",
    "HDFC Bank": "bank", "HSBC": "bank", "ICICI Bank": "bank", "Lydia": "bank",
    "MoneyGram": "bank", "Monzo": "bank", "N26": "bank", "Nubank": "bank", "PagSeguro": "bank",
    "Paysafe": "bank", "PicPay": "bank", "Revolut": "bank", "Robinhood": "bank",
    "Sparkasse": "bank", "Starling Bank": "bank", "Tide": "bank", "Viva Wallet": "bank",
    "Wells Fargo": "bank", "Western Union": "bank", "Wise": "bank", "Zelle": "bank",
    "Zerodha": "bank",
    # lender
    "Afterpay": "lender", "Klarna": "lender", "Kueski": "lender", "Zilch": "lender",
    # card_issuer
    "American Express": "card_issuer", "Diners Club": "card_issuer", "Discover": "card_issuer",
    "JCB": "card_issuer", "MasterCard": "card_issuer", "Visa": "card_issuer",
    # telecom
    "1&1": "telecom", "Airtel": "telecom", "AT&T": "telecom", "BT": "telecom",
    "Deutsche Telekom": "telecom", "Jio": "telecom", "Movistar": "telecom", "O2": "telecom",
    "Odido": "telecom", "Orange": "telecom", "Telefónica": "telecom", "Telenor": "telecom",
    "Verizon": "telecom", "Vodafone": "telecom",
    # cable
    "Foxtel": "cable", "Sky": "cable", "Spectrum": "cable", "Virgin Media": "cable",
    "Ziggo": "cable",
    # retailer
    "Adidas": "retailer", "Alibaba.com": "retailer", "AliExpress": "retailer",
    "Allegro": "retailer", "Anta": "retailer", "Argos": "retailer", "AutoZone": "retailer",
    "Bata": "retailer", "Blibli": "retailer", "Boots": "retailer", "boulanger": "retailer",
    "Bukalapak": "retailer", "Burton": "retailer", "CafePress": "retailer",
    "Cardmarket": "retailer", "Castorama": "retailer", "Coppel": "retailer", "Cultura": "retailer",
    "Custom Ink": "retailer", "Darty": "retailer", "Dior": "retailer", "dm": "retailer",
    "eBay": "retailer", "Etsy": "retailer", "Express": "retailer", "FARFETCH": "retailer",
    "Fila": "retailer", "Fnac": "retailer", "Galaxus": "retailer", "Gumtree": "retailer",
    "H&M": "retailer", "Helly Hansen": "retailer", "IKEA": "retailer", "Jordan": "retailer",
    "Leroy Merlin": "retailer", "Li-Ning": "retailer", "Macy's": "retailer",
    "MediaMarkt": "retailer", "Müller": "retailer", "New Balance": "retailer",
    "Newegg": "retailer", "Nike": "retailer", "Otto": "retailer", "Peak Design": "retailer",
    "Pets at Home": "retailer", "Puma": "retailer", "Rakuten": "retailer", "Redbubble": "retailer",
    "Reebok": "retailer", "Rossmann": "retailer", "Sam's Club": "retailer", "Shopee": "retailer",
    "Society6": "retailer", "Spreadshirt": "retailer", "StockX": "retailer", "Taobao": "retailer",
    "Target": "retailer", "TeePublic": "retailer", "The North Face": "retailer",
    "Threadless": "retailer", "Under Armour": "retailer", "Uniqlo": "retailer",
    "Veepee": "retailer", "Vinted": "retailer", "Wish": "retailer", "Zalando": "retailer",
    "Zara": "retailer", "Zazzle": "retailer",
    # supermarket
    "Albert Heijn": "supermarket", "Aldi Nord": "supermarket", "Aldi Süd": "supermarket",
    "ASDA": "supermarket", "Auchan": "supermarket", "bigbasket": "supermarket",
    "Carrefour": "supermarket", "Chedraui": "supermarket", "Co-op": "supermarket",
    "Continente": "supermarket", "E.Leclerc": "supermarket", "EDEKA": "supermarket",
    "Franprix": "supermarket", "Grand Frais": "supermarket", "Iceland": "supermarket",
    "Intermarche": "supermarket", "Kaufland": "supermarket", "Leader Price": "supermarket",
    "Lidl": "supermarket", "Magasins U": "supermarket", "Monoprix": "supermarket",
    "Morrisons": "supermarket", "Netto": "supermarket", "Penny": "supermarket",
    "Picard Surgelés": "supermarket", "Picnic": "supermarket", "REWE": "supermarket",
    "Soriana": "supermarket", "Tesco": "supermarket", "Żabka": "supermarket",
    # restaurant
    "Burger King": "restaurant", "Hungry Jack's": "restaurant", "KFC": "restaurant",
    "McDonald's": "restaurant", "Starbucks": "restaurant", "Taco Bell": "restaurant",
    # hotel
    "Hilton": "hotel", "Hilton Hotels & Resorts": "hotel", "Marriott": "hotel", "OYO": "hotel",
    "Ritz Carlton": "hotel",
    # carrier
    "Deutsche Post": "carrier", "DHL": "carrier", "DPD": "carrier", "FedEx": "carrier",
    "Toll": "carrier", "UPS": "carrier", "USPS": "carrier",
    # car_maker
    "Acura": "car_maker", "Aston Martin": "car_maker", "Audi": "car_maker", "Bentley": "car_maker",
    "BMW": "car_maker", "Bugatti": "car_maker", "Cadillac": "car_maker", "Chevrolet": "car_maker",
    "Chrysler": "car_maker", "Citroën": "car_maker", "Dacia": "car_maker",
    "DS Automobiles": "car_maker", "Ducati": "car_maker", "Ferrari": "car_maker",
    "Fiat": "car_maker", "Ford": "car_maker", "General Motors": "car_maker", "Honda": "car_maker",
    "Hyundai": "car_maker", "INFINITI": "car_maker", "Jeep": "car_maker", "Kia": "car_maker",
    "KTM": "car_maker", "LADA": "car_maker", "Lamborghini": "car_maker", "Mahindra": "car_maker",
    "Maserati": "car_maker", "Mazda": "car_maker", "McLaren": "car_maker", "MG": "car_maker",
    "Mitsubishi": "car_maker", "Nissan": "car_maker", "OnStar": "car_maker", "Opel": "car_maker",
    "Peugeot": "car_maker", "Polestar": "car_maker", "Porsche": "car_maker", "Ram": "car_maker",
    "Renault": "car_maker", "Rolls-Royce": "car_maker", "SEAT": "car_maker", "ŠKODA": "car_maker",
    "smart": "car_maker", "Subaru": "car_maker", "Suzuki": "car_maker", "Tesla": "car_maker",
    "Toyota": "car_maker", "Vauxhall": "car_maker", "Volkswagen": "car_maker",
    "Volvo": "car_maker", "Yamaha Motor Corporation": "car_maker",
    # software_web
    "1Password": "software_web", "ADP": "software_web", "Adyen": "software_web",
    "AfterShip": "software_web", "Alipay": "software_web", "AllTrails": "software_web",
    "App Store": "software_web", "Apple Pay": "software_web", "Avast": "software_web",
    "Backblaze": "software_web", "Badoo": "software_web", "Baidu": "software_web",
    "Binance": "software_web", "Bitdefender": "software_web", "Bitwarden": "software_web",
    "Blockchain.com": "software_web", "Box": "software_web", "Braintree": "software_web",
    "Brave": "software_web", "Byju's": "software_web", "Calendly": "software_web",
    "Cash App": "software_web", "Cloudflare": "software_web", "Codecademy": "software_web",
    "Coinbase": "software_web", "Conekta": "software_web", "Coursera": "software_web",
    "Dashlane": "software_web", "Deliveroo": "software_web", "DigitalOcean": "software_web",
    "DoorDash": "software_web", "Dropbox": "software_web", "DuckDuckGo": "software_web",
    "Dunzo": "software_web", "Duolingo": "software_web", "Ecosia": "software_web",
    "edX": "software_web", "Evernote": "software_web", "Expensify": "software_web",
    "ExpressVPN": "software_web", "Fawry": "software_web", "Firefox": "software_web",
    "Fiverr": "software_web", "foodpanda": "software_web", "Glovo": "software_web",
    "Gmail": "software_web", "GoDaddy": "software_web", "GoFundMe": "software_web",
    "Gojek": "software_web", "Goodreads": "software_web", "Google": "software_web",
    "Google Chrome": "software_web", "Google Drive": "software_web", "Google Maps": "software_web",
    "Google Pay": "software_web", "Google Play": "software_web", "GoToMeeting": "software_web",
    "Grab": "software_web", "Grammarly": "software_web", "Groupon": "software_web",
    "Gusto": "software_web", "Headspace": "software_web", "HelloFresh": "software_web",
    "Hevy": "software_web", "HomeAdvisor": "software_web", "Honey": "software_web",
    "Hostinger": "software_web", "Houzz": "software_web", "iCloud": "software_web",
    "iFood": "software_web", "Indeed": "software_web", "Instacart": "software_web",
    "Intuit": "software_web", "Ionos": "software_web", "Just Eat": "software_web",
    "Kahoot!": "software_web", "Kaspersky": "software_web", "Kickstarter": "software_web",
    "Kleinanzeigen": "software_web", "Komoot": "software_web", "KuCoin": "software_web",
    "LastPass": "software_web", "Lyft": "software_web", "MailChimp": "software_web",
    "Malwarebytes": "software_web", "McAfee": "software_web", "Meetup": "software_web",
    "MEGA": "software_web", "Meituan": "software_web", "Mercado Pago": "software_web",
    "Meta": "software_web", "Mozilla": "software_web", "MYOB": "software_web",
    "Namecheap": "software_web", "Nextdoor": "software_web", "NordVPN": "software_web",
    "Norton": "software_web", "Notion": "software_web", "okcupid": "software_web",
    "OKX": "software_web", "Opera": "software_web", "Paychex": "software_web",
    "Payoneer": "software_web", "PayPal": "software_web", "Paytm": "software_web",
    "PhonePe": "software_web", "Pluralsight": "software_web", "Postmates": "software_web",
    "Private Internet Access": "software_web", "Proton": "software_web",
    "Proton Mail": "software_web", "QuickBooks": "software_web", "Quizlet": "software_web",
    "Razorpay": "software_web", "Runkeeper": "software_web", "Sahibinden": "software_web",
    "Samsung Pay": "software_web", "Shopify": "software_web", "Skillshare": "software_web",
    "Square": "software_web", "Squarespace": "software_web", "Strava": "software_web",
    "Stripe": "software_web", "Surfshark": "software_web", "SurveyMonkey": "software_web",
    "Swiggy": "software_web", "Thumbtack": "software_web", "Tinder": "software_web",
    "Treehouse": "software_web", "Trello": "software_web", "Uber": "software_web",
    "Uber Eats": "software_web", "Udemy": "software_web", "Unacademy": "software_web",
    "Uphold": "software_web", "Upwork": "software_web", "Venmo": "software_web",
    "Vimeo": "software_web", "Vivaldi": "software_web", "Wattpad": "software_web",
    "Waze": "software_web", "WazirX": "software_web", "Webex": "software_web",
    "Wix": "software_web", "WP Engine": "software_web", "Xero": "software_web",
    "ZebPay": "software_web", "Zillow": "software_web", "Zomato": "software_web",
    "Zoom": "software_web",
    # travel
    "Airbnb": "travel", "Booking.com": "travel", "Expedia": "travel", "FareHarbor": "travel",
    "Hotels.com": "travel", "Klook": "travel", "Trip.com": "travel", "trivago": "travel",
    "TUI": "travel",
    # rail
    "China Railway": "rail", "Deutsche Bahn": "rail", "JR Group": "rail", "National Rail": "rail",
    "Nederlandse Spoorwegen": "rail", "ÖBB": "rail", "SNCF": "rail",
    # transit
    "BVG": "transit", "Île-de-France Mobilités": "transit", "MTA": "transit", "MTR": "transit",
    "nextbike": "transit", "San Francisco Municipal Railway": "transit", "SMRT": "transit",
    "Transport for Ireland": "transit", "Transport for London": "transit",
    # entertainment
    "Activision": "entertainment", "Apple Music": "entertainment", "Apple TV": "entertainment",
    "Atari": "entertainment", "Audible": "entertainment", "Audiomack": "entertainment",
    "Bandcamp": "entertainment", "Bandsintown": "entertainment", "Battle.net": "entertainment",
    "Beatport": "entertainment", "Betfair": "entertainment", "BookMyShow": "entertainment",
    "Bungie": "entertainment", "Chess.com": "entertainment", "Crunchyroll": "entertainment",
    "DAZN": "entertainment", "Deezer": "entertainment", "EA": "entertainment",
    "Epic Games": "entertainment", "F1": "entertainment", "Fandango": "entertainment",
    "Fortnite": "entertainment", "Fubo": "entertainment", "GOG.com": "entertainment",
    "HBO": "entertainment", "HBO Max": "entertainment", "Humble Bundle": "entertainment",
    "iHeartRadio": "entertainment", "iTunes": "entertainment", "ITVx": "entertainment",
    "Konami": "entertainment", "Last.fm": "entertainment", "MLB": "entertainment",
    "MUBI": "entertainment", "Napster": "entertainment", "NBA": "entertainment",
    "Netflix": "entertainment", "NEXON": "entertainment", "NHL": "entertainment",
    "NOW": "entertainment", "Paddy Power": "entertainment", "Pandora": "entertainment",
    "Paramount+": "entertainment", "PlayStation": "entertainment", "Plex": "entertainment",
    "Premier League": "entertainment", "Rakuten Kobo": "entertainment",
    "Riot Games": "entertainment", "Roblox": "entertainment", "Rockstar Games": "entertainment",
    "SeatGeek": "entertainment", "Sega": "entertainment", "Showtime": "entertainment",
    "Songkick": "entertainment", "SoundCloud": "entertainment", "Spotify": "entertainment",
    "Square Enix": "entertainment", "STARZ": "entertainment", "Steam": "entertainment",
    "Stremio": "entertainment", "StubHub": "entertainment", "Supercell": "entertainment",
    "Ticket Tailor": "entertainment", "Ticketmaster": "entertainment", "TIDAL": "entertainment",
    "Tubi": "entertainment", "Ubisoft": "entertainment", "UFC": "entertainment",
    "Valve": "entertainment", "Viaplay": "entertainment", "WWE": "entertainment",
    "YouTube TV": "entertainment",
    # other_consumer
    "Acer": "other_consumer", "Alienware": "other_consumer", "AMD": "other_consumer",
    "Amul": "other_consumer", "Analogue": "other_consumer", "Anycubic": "other_consumer",
    "Apple": "other_consumer", "Arlo": "other_consumer", "ASUS": "other_consumer",
    "Audio-Technica": "other_consumer", "AVM": "other_consumer", "Bambu Lab": "other_consumer",
    "Beats": "other_consumer", "Beats by Dre": "other_consumer", "Blackberry": "other_consumer",
    "Bluesound": "other_consumer", "boAt": "other_consumer", "Bosch": "other_consumer",
    "Bose": "other_consumer", "Carlsberg Group": "other_consumer", "Celestron": "other_consumer",
    "Coca-Cola": "other_consumer", "Cooler Master": "other_consumer", "Corsair": "other_consumer",
    "Craftsman": "other_consumer", "Creality": "other_consumer", "De'Longhi": "other_consumer",
    "Dell": "other_consumer", "Denon": "other_consumer", "DJI": "other_consumer",
    "Ecovacs": "other_consumer", "Eight Sleep": "other_consumer", "Elegoo": "other_consumer",
    "Elgato": "other_consumer", "Epson": "other_consumer", "Fairphone": "other_consumer",
    "Fitbit": "other_consumer", "Flashforge": "other_consumer", "FRITZ!": "other_consumer",
    "Fujifilm": "other_consumer", "Garmin": "other_consumer", "Google Home": "other_consumer",
    "Havells": "other_consumer", "Honor": "other_consumer", "HP": "other_consumer",
    "HTC": "other_consumer", "Huawei": "other_consumer", "Husqvarna": "other_consumer",
    "HyperX": "other_consumer", "Imou": "other_consumer", "Insta360": "other_consumer",
    "Intel": "other_consumer", "iRobot": "other_consumer", "JBL": "other_consumer",
    "John Deere": "other_consumer", "Kasa Smart": "other_consumer", "Keenetic": "other_consumer",
    "Kingston Technology": "other_consumer", "Kodak": "other_consumer",
    "Kyocera": "other_consumer", "Leica": "other_consumer", "Lenovo": "other_consumer",
    "LG": "other_consumer", "LIFX": "other_consumer", "Linksys": "other_consumer",
    "MakerBot": "other_consumer", "Maytag": "other_consumer", "Meizu": "other_consumer",
    "Motorola": "other_consumer", "MSI": "other_consumer", "NETGEAR": "other_consumer",
    "Nikon": "other_consumer", "Nokia": "other_consumer", "NVIDIA": "other_consumer",
    "NZXT": "other_consumer", "Oculus": "other_consumer", "OnePlus": "other_consumer",
    "OPPO": "other_consumer", "Panasonic": "other_consumer", "Peloton": "other_consumer",
    "Philips Hue": "other_consumer", "Purism": "other_consumer", "QNAP": "other_consumer",
    "Razer": "other_consumer", "Red Bull": "other_consumer", "Redragon": "other_consumer",
    "Ring": "other_consumer", "Roku": "other_consumer", "Samsung": "other_consumer",
    "Seagate": "other_consumer", "Sennheiser": "other_consumer", "Shelly": "other_consumer",
    "SmartThings": "other_consumer", "Sonos": "other_consumer", "Sony": "other_consumer",
    "Steelseries": "other_consumer", "Synology": "other_consumer", "System76": "other_consumer",
    "tado°": "other_consumer", "Tile": "other_consumer", "TomTom": "other_consumer",
    "Toshiba": "other_consumer", "TP-Link": "other_consumer", "Trezor": "other_consumer",
    "TUXEDO Computers": "other_consumer", "Twinkly": "other_consumer",
    "Ubiquiti": "other_consumer", "Unilever": "other_consumer", "Vestel": "other_consumer",
    "Vivint": "other_consumer", "vivo": "other_consumer", "Wacom": "other_consumer",
    "WALKMAN": "other_consumer", "WEMO": "other_consumer", "Wyze": "other_consumer",
    "Xiaomi": "other_consumer", "Yale": "other_consumer", "Yamaha Corporation": "other_consumer",
}
# ... and these titles are dropped even when another source has them: channels (social and
# messaging platforms, review sites) and non-companies.
CHANNEL_NAMES = {
    "twitter", "x", "facebook", "instagram", "youtube", "tiktok", "reddit", "whatsapp",
    "messenger", "facebook messenger", "linkedin", "google+", "google plus", "yelp",
    "trustpilot", "tripadvisor", "snapchat", "pinterest", "tumblr", "threads", "bluesky",
    "mastodon", "telegram", "wechat", "weibo", "sina weibo", "vk", "viber", "line", "kik",
    "discord", "signal", "twitch", "myspace", "google my business", "quora", "medium",
}

# Websites that are not a company's own domain (a page on a platform, an archive, a link hub).
HOSTING_DOMAINS = {
    "facebook.com", "fb.com", "instagram.com", "twitter.com", "x.com", "linkedin.com",
    "youtube.com", "wikipedia.org", "wikimedia.org", "wikidata.org", "github.com", "github.io",
    "gitlab.com", "blogspot.com", "wordpress.com", "wixsite.com", "weebly.com", "linktr.ee",
    "squarespace.com", "google.com", "goo.gl", "bit.ly", "archive.org", "yelp.com",
    "tripadvisor.com", "apple.com", "sites.google.com", "figma.com", "dropbox.com",
    "brandfolder.com", "frontify.com", "behance.net", "issuu.com", "seeklogo.com",
    "worldvectorlogo.com", "brandsoftheworld.com", "logowik.com", "1000logos.net",
    "freebiesupply.com", "vectorlogo.zone", "simpleicons.org", "commons.wikimedia.org",
    "medium.com", "notion.site", "canva.com", "box.com", "bynder.com", "amazonaws.com",
    "cloudfront.net", "googleusercontent.com", "ctfassets.net", "imgix.net", "gstatic.com",
    "scene7.com", "akamaized.net", "zendesk.com", "vercel.app", "netlify.app", "pages.dev",
    "web.app", "firebaseapp.com", "herokuapp.com", "azurewebsites.net",
}
# Second-level labels of country-code domains that are public suffixes (co.uk, com.au, ...).
CC_SECOND_LEVEL = {"co", "com", "org", "net", "ac", "gov", "govt", "edu", "ltd", "plc", "nic", "or",
                   "ne", "gob", "gen", "firm", "ind", "info", "biz", "nom", "sch", "mil", "web",
                   "me", "go", "gv", "in", "nhs", "police", "mod", "lg", "gouv", "asso", "id",
                   "res", "blog", "ens", "or", "tm", "int"}

REGION_LABELS = {"nsw", "vic", "qld", "wa", "sa", "tas", "act", "nt", "al", "ak", "az", "ar",
                 "ca", "co", "ct", "de", "fl", "ga", "hi", "id", "il", "in", "ia", "ks", "ky",
                 "la", "me", "md", "ma", "mi", "mn", "ms", "mo", "mt", "ne", "nv", "nh", "nj",
                 "nm", "ny", "nc", "nd", "oh", "ok", "or", "pa", "ri", "sc", "sd", "tn", "tx",
                 "ut", "vt", "va", "wv", "wi", "wy", "dc"}

# Names that are only a generic noun: never an alias (an entry left with no name is dropped).
GENERIC_NAMES = {
    "bank", "pharmacy", "post office", "bus", "supermarket", "market", "store", "shop", "cafe",
    "café", "coffee", "coffee shop", "restaurant", "hotel", "motel", "hostel", "taxi", "cinema",
    "gym", "fitness", "petrol", "gas", "fuel", "atm", "post", "mail", "parking", "car park",
    "car wash", "laundry", "laundromat", "bakery", "butcher", "chemist", "dentist", "optician",
    "bar", "pub", "rail", "railway", "train", "trains", "tram", "ferry", "airport", "airline",
    "telecom", "mobile", "insurance", "pizza", "burger", "burgers", "chicken", "sushi", "kebab",
    "deli", "grocery", "groceries", "convenience store", "gas station", "petrol station",
    "service station", "filling station", "hairdresser", "barber", "salon", "nail salon",
    "florist", "toys", "shoes", "clothes", "fashion", "furniture", "electronics", "hardware",
    "books", "bookshop", "bookstore", "pet shop", "outlet", "mall", "shopping centre",
    "shopping center", "department store", "variety store", "dollar store", "pound shop",
    "discount", "city", "local", "central", "public",
    "online", "international", "the", "group", "company", "services", "service", "retail",
    "pharmacie", "apotheke", "farmacia", "banco", "banque", "correo", "correos", "poste",
    "posta", "la poste", "mini market", "minimarket", "superstore", "hypermarket", "food",
    "foods", "cars", "car", "auto", "motors", "energy", "power", "water", "electric", "gas and electric",
    "transit", "transport", "bus company", "buses", "coach", "coaches", "one", "mobile phone",
    "wireless", "cellular", "cable", "internet", "broadband", "phone", "telephone", "credit union",
    "savings bank", "building society", "finance", "loans", "cash", "money", "pawn", "pawnshop",
    "insurance agency", "estate agent", "real estate", "realty", "travel", "travel agency",
    "tours", "holidays", "rent a car", "car rental", "car hire", "van hire", "storage",
    "self storage", "cleaners", "dry cleaners", "tyres", "tires", "garage", "repair",
    "ice cream", "donuts", "bagels", "tacos", "noodles", "bbq", "grill", "diner", "bistro",
    "steakhouse", "pizzeria", "trattoria", "sandwiches", "subs", "wings", "juice", "smoothies",
    "tea", "bubble tea", "boba", "wine", "beer", "liquor", "liquor store", "off licence",
    "tobacco", "vape", "vape shop", "cannabis", "dispensary", "lottery", "betting", "casino",
    "bingo", "arcade", "bowling", "hotels", "inn", "lodge", "suites", "resort", "resorts",
    "apartments", "parcel", "parcels", "courier", "delivery", "express delivery", "logistics",
    "freight", "shipping", "post box", "postbox", "mailbox", "locker", "parcel locker",
    "charging", "charging station", "ev charging", "supercharger", "fast charging",
}

# Single words too generic to count alone without service context (besides the ordinary
# English words found in the treebank): region and demonym adjectives, virtues, ...
GENERIC_WEAK = {
    "united", "american", "southwest", "spirit", "frontier", "discover", "virgin", "progressive",
    "citizens", "express", "sprint", "allegiant", "hawaiian", "british", "national", "royal",
    "continental", "northern", "southern", "western", "eastern", "northwest", "northeast",
    "southeast", "midwest", "pacific", "atlantic", "global", "international", "allied",
    "pioneer", "liberty", "guardian", "standard", "premier", "capital", "federal", "republic",
    "regional", "summit", "horizon", "heritage", "community", "metro", "metropolitan", "central",
    "state", "union", "alliance", "integrity", "patriot", "freedom", "independence", "eagle",
    "phoenix", "apex", "zenith", "prime", "elite", "infinity", "unity", "harmony", "legacy",
    "pinnacle", "keystone", "cornerstone", "landmark", "gateway", "anchor", "beacon", "compass",
    "sterling", "crown", "monarch", "empire", "imperial", "dominion", "colonial",
    "commonwealth", "coastal", "valley", "mountain", "river", "lake", "prairie", "desert",
    "island", "harbor", "harbour", "ocean", "sky", "orange", "three", "next", "boots", "shell",
    "subway", "total", "giant", "spectrum", "charter", "optimum", "ally", "regions", "key",
    "block", "square", "visible", "mint", "boost", "cricket", "dish", "peacock", "now", "tide",
    "wise", "nothing", "sharp", "brother", "match", "hinge", "honey", "rocket", "ring", "nest",
    "tile", "box", "notion", "slack", "zoom", "steam", "origin", "bell", "meta", "target",
    "chase", "delta", "apple", "visa", "kindle", "staples", "zilch", "kraken", "valve",
    "synchrony", "wendy", "giant", "safeway", "sunrise", "sunset", "evergreen", "landmark",
    "vision", "focus", "select", "choice", "premium", "value", "savings", "budget", "thrifty",
    "enterprise", "national", "alamo", "dollar", "family", "home", "office", "depot", "market",
}

# Airline short names left off: a country or nationality is not a name people write for an
# airline ("British" for British Airways, "China" for China Airlines).
AIRLINE_SHORT_SKIP_WORDS = {"british", "air", "new", "the", "royal", "national", "international",
                            "global", "united states", "us", "u.s."}

# Companies that the required coverage needs but none of the open lists has. Facts only (name,
# web domain, Twitter handle), typed in and marked with source "curated".
CURATED = [
    {"name": "Experian", "aliases": ["Experian"], "handles": ["Experian", "AskExperian"],
     "domains": ["experian.com", "experian.co.uk"], "category": "credit_bureau", "countries": ["us", "gb"]},
    {"name": "TransUnion", "aliases": ["TransUnion", "Trans Union"], "handles": ["TransUnion"],
     "domains": ["transunion.com"], "category": "credit_bureau", "countries": ["us", "ca", "in"]},
    # The short names customers write for two card issuers and banks, which the lists lack
    # ("my Amex", "BofA"), and their support accounts.
    {"name": "American Express", "aliases": ["American Express", "Amex"], "handles": ["AskAmex"],
     "domains": ["americanexpress.com"], "category": "card_issuer", "countries": ["us"]},
    {"name": "Bank of America", "aliases": ["Bank of America", "BofA"], "handles": ["BofA_Help"],
     "domains": ["bankofamerica.com"], "category": "bank", "countries": ["us"]},
]

# Category of a few well-known entries that no source states well (keyed by output id).
CATEGORY_OVERRIDES = {
    "comcast": "cable", "xfinity": "cable", "spectrum": "cable", "cox": "cable",
    "charter_communications": "cable", "time_warner": "cable", "dish": "cable",
    "equifax": "credit_bureau", "experian": "credit_bureau", "transunion": "credit_bureau",
    "fair_isaac": "credit_bureau", "american_express": "card_issuer", "discover": "card_issuer",
    "capital_one": "card_issuer", "synchrony": "card_issuer", "visa": "card_issuer",
    "mastercard": "card_issuer", "paypal": "software_web", "amazon": "retailer",
    "google": "software_web", "microsoft": "software_web", "apple": "other_consumer",
    "airbnb": "travel", "booking_holdings": "travel", "booking_com": "travel", "expedia": "travel",
    "uber": "software_web", "lyft": "software_web", "netflix": "entertainment",
    "fedex": "carrier", "ups": "carrier", "dhl": "carrier", "usps": "carrier",
    "united_states_postal_service": "carrier", "royal_mail": "carrier",
}

DESC_CATEGORY = [
    ({"telecom", "other_consumer", "entertainment"},
     re.compile(r"(?i)\bcable (television|tv|provider|operator|company)|satellite (television|tv)|"
                r"pay television|cable and internet"), "cable"),
    ({"bank", "lender", "other_consumer", "software_web"},
     re.compile(r"(?i)credit (bureau|reporting)|consumer credit reporting"), "credit_bureau"),
    ({"bank", "lender", "other_consumer"}, re.compile(r"(?i)debt collect"), "debt_collector"),
    ({"bank", "other_consumer", "retailer"},
     re.compile(r"(?i)payday|pawn ?(shop|broker)|consumer (loans|finance)|installment loan|"
                r"title loan|mortgage (lender|company)|check cashing"), "lender"),
    ({"bank", "other_consumer"}, re.compile(r"(?i)credit card (issuer|company)|charge card"),
     "card_issuer"),
]

LEGAL_SUFFIXES = {"inc", "incorporated", "corp", "corporation", "company", "co", "ltd",
                  "limited", "plc", "llc", "llp", "lp", "sa", "ag", "se", "nv", "bv", "gmbh",
                  "spa", "ab", "asa", "oyj", "kk", "pty", "pvt", "holdings", "holding", "group",
                  "the", "class", "a", "b", "c"}
OWNER_SUFFIXES = LEGAL_SUFFIXES | {"international", "worldwide", "global", "brands",
                                   "enterprises", "companies", "usa", "us", "americas",
                                   "financial", "services", "hotels", "resorts"}

NON_COMPANY_DESC = re.compile(
    r"\b(school|schools|university|college|academy|kindergarten|hospital|hospitals|clinic|"
    r"medical cent(?:er|re)|health system|church|diocese|parish|charity|charitable|non-?profit|"
    r"not-for-profit|political party|trade union|labou?r union|municipality|city in|town in|"
    r"village in|county in|census-designated|national park|state park|museum|library|police|"
    r"fire department|army|military|ministry|scout|freemason|foundation|think tank|"
    r"newspaper|news website|news agency|magazine|television channel|tv channel|"
    r"radio station|broadcaster|cooperative society|wikimedia|religious|mosque|temple|"
    r"social enterprise|football club|sports club|sports team|rugby|cricket club|"
    r"family name|given name|surname|human settlement|river in|mountain in|island in)\b",
    re.I)
GOV_DESC = re.compile(r"\b(government agency|government department|agency of the|federal agency|"
                      r"department of|executive agency|public body|statutory body|"
                      r"local authority|council of|city council|county council|borough council)\b",
                      re.I)
OWNER_DESC = re.compile(
    r"\b(?:brand|subsidiary|division|unit|arm|banner|label|imprint|sub-brand|"
    r"operated|owned|run|managed|part|member|franchise)\s+(?:of|by)\s+(?:the\s+)?"
    r"([A-Z0-9][\w&.'’!+-]*(?:\s+(?:&|and|of|de|du|la|[A-Z0-9][\w&.'’!+-]*))*)")

ASCII_WORD = re.compile(r"[a-z0-9]+")


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------

def log(*a):
    print(*a, file=sys.stderr)


def strip_accents(s):
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def is_latin(s):
    """True when every letter of s is Latin script."""
    for c in s:
        if c.isalpha() and c not in "ßøØæÆœŒðÐþÞłŁđĐıŉ":
            try:
                if "LATIN" not in unicodedata.name(c):
                    return False
            except ValueError:
                return False
    return True


def clean_space(s):
    return re.sub(r"\s+", " ", s.replace("\u00a0", " ")).strip()


def norm(s):
    """Normalised name: ASCII lower case words, '&' -> 'and', apostrophes dropped."""
    s = strip_accents(s).lower()
    s = s.replace("’", "'").replace("'", "")
    s = re.sub(r"(?<=\w)&(?=\w)", "", s)
    s = s.replace("&", " and ").replace("+", " plus ")
    return " ".join(ASCII_WORD.findall(s))


def norm_core(s, suffixes=LEGAL_SUFFIXES):
    """norm() without a leading 'the' and trailing legal words (Inc, Corp, Group ...)."""
    w = norm(s).split()
    while len(w) > 1 and w[0] == "the":
        w = w[1:]
    while len(w) > 1 and w[-1] in suffixes:
        w = w[:-1]
    return " ".join(w)


def squash(s):
    return norm(s).replace(" ", "")


def make_id(name):
    s = strip_accents(name)
    s = s.replace("’", "'").replace("'", "")
    s = re.sub(r"(?<=\w)&(?=\w)", "", s)
    s = s.replace("&", " and ").replace("+", " plus ")
    s = re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_").lower()
    s = re.sub(r"^the_", "", s)
    return s or "x"


def registrable_domain(url):
    """'https://www.sainsburys.co.uk/x' -> 'sainsburys.co.uk'; None if not a usable domain."""
    if not url:
        return None
    u = url.strip()
    m = re.search(r"web\.archive\.org/[^/]*/(https?://.*)$", u)
    if m:
        u = m.group(1)
    u = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", "", u)
    host = re.split(r"[/?#]", u, 1)[0].split("@")[-1].split(":")[0].lower().strip(".")
    if not host or not re.fullmatch(r"[a-z0-9.-]+", host) or "." not in host:
        return None
    if re.fullmatch(r"[0-9.]+", host):
        return None
    labels = host.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in CC_SECOND_LEVEL:
        dom = ".".join(labels[-3:])
        # state government sites: transport.nsw.gov.au, ci.boston.ma.us
        if len(labels) >= 4 and labels[-1] == "au" and labels[-3] in REGION_LABELS:
            dom = ".".join(labels[-4:])
    elif len(labels) >= 3 and labels[-1] == "us" and labels[-2] in REGION_LABELS:
        dom = ".".join(labels[-4:]) if len(labels) >= 4 else ".".join(labels[-3:])
    else:
        dom = ".".join(labels[-2:])
    if dom.startswith("www."):
        return None  # www.gov.uk: a site on a public suffix, not a company's domain
    return dom


def is_hosting(dom):
    return dom in HOSTING_DOMAINS


def valid_handle(h):
    if not h:
        return None
    h = h.strip().lstrip("@")
    if re.fullmatch(r"[A-Za-z0-9_]{1,15}", h):
        return h
    return None


# ---------------------------------------------------------------------------------------------
# Word lists: ordinary English words (EWT), US census names, places
# ---------------------------------------------------------------------------------------------

class Lexicon:
    def __init__(self, corpora):
        self.ordinary = collections.Counter()   # lower-case, non-proper-noun uses
        self.lower_seen = collections.Counter()  # any lower-case use
        self.phrases = set()                      # lower-case 2- to 4-word sequences
        ewt = os.path.join(corpora, "ud-english-ewt")
        sent = []

        def flush():
            for n in (2, 3, 4):
                for i in range(len(sent) - n + 1):
                    w = sent[i:i + n]
                    if all(x.islower() for x in w):
                        self.phrases.add(" ".join(w))
            sent.clear()
        for fn in ("en_ewt-ud-train.conllu", "en_ewt-ud-dev.conllu", "en_ewt-ud-test.conllu"):
            with open(os.path.join(ewt, fn), encoding="utf-8") as f:
                for line in f:
                    if line == "\n":
                        flush()
                        continue
                    if not line or line[0] == "#":
                        continue
                    c = line.split("\t")
                    if len(c) < 4 or not c[0].isdigit():
                        continue
                    form, lemma, upos = c[1], c[2], c[3]
                    sent.append(form)
                    if form.islower():
                        self.lower_seen[form] += 1
                        if upos not in ("PROPN", "X", "SYM", "PUNCT"):
                            self.ordinary[form] += 1
                            if lemma.islower() and lemma != form:
                                self.ordinary[lemma] += 1
        names = os.path.join(corpora, "names-places", "us-census-1990-names")
        self.first = {}
        self.last = {}
        for fn, dest in (("dist.female.first", self.first), ("dist.male.first", self.first),
                         ("dist.all.last", self.last)):
            with open(os.path.join(names, fn), encoding="ascii") as f:
                for line in f:
                    p = line.split()
                    if len(p) >= 2:
                        dest[p[0]] = max(dest.get(p[0], 0.0), float(p[1]))
        self.places = set()
        self.cities = set()
        self.countries = set()
        with open(os.path.join(corpora, "names-places", "geonames-world-cities", "world-cities.csv"),
                  encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                self.countries.add(norm(r["country"]))
                self.cities.add(norm(r["name"]))
                # Places our readers know: cities, states and provinces of the target
                # countries, and every country ("Toyota" or "Kawasaki" are not places here).
                if r["country"] in COUNTRY_NAME_TO_CODE:
                    self.places.add(norm(r["name"]))
                    if r["subcountry"]:
                        self.places.add(norm(r["subcountry"]))
        self.places |= self.countries
        self.places.discard("")
        # Every place of the world-cities list, any country and any size: cities, their
        # states/provinces/regions and countries (for the stricter `weak` rules).
        self.all_places = set(self.cities) | self.countries
        with open(os.path.join(corpora, "names-places", "geonames-world-cities", "world-cities.csv"),
                  encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                self.all_places.add(norm(r["subcountry"]))
        self.all_places.discard("")
        # Rank of lower-case words (letters, with inner apostrophes or hyphens) by how often
        # they occur in lower case in EWT, any part of speech. top(N) is the N most frequent,
        # with every word as frequent as the N-th (ties included, so the set does not depend on
        # alphabetical order).
        self.word_rank = sorted(((w, c) for w, c in self.lower_seen.items()
                                 if re.fullmatch(r"[a-z]+(?:['’-][a-z]+)*", w)),
                                key=lambda wc: (-wc[1], wc[0]))
        self.top500 = self.top(500)
        self.top2000 = self.top(2000)

    def top(self, n):
        if len(self.word_rank) < n:
            return {w for w, _ in self.word_rank}
        floor = self.word_rank[n - 1][1]
        return {w for w, c in self.word_rank if c >= floor}

    def is_ordinary(self, word):
        """An ordinary lower-case English word (EWT, not as a proper noun)."""
        w = strip_accents(word).lower().replace("’", "'")
        return self.ordinary[w] >= 1

    def is_common_name(self, word):
        w = strip_accents(word).upper()
        return self.first.get(w, 0.0) >= 0.010 or self.last.get(w, 0.0) >= 0.005

    def is_place(self, phrase):
        return norm(phrase) in self.places

    def is_any_name(self, token):
        """A US census first name or surname of any frequency, also with a possessive or a
        bare trailing s: "Paul", "Smith's", "Smiths", "Andys", "Palmers"."""
        w = strip_accents(token).replace("’", "'").upper()
        if not re.fullmatch(r"[A-Z]+(?:'S|S')?", w):
            return False
        cands = {w}
        if w.endswith("'S"):
            cands.add(w[:-2])
        elif w.endswith("S'"):
            cands.add(w[:-2])
        elif w.endswith("S") and len(w) > 3:
            cands.add(w[:-1])
        return any(c in self.first or c in self.last for c in cands)

    def is_any_place(self, phrase):
        """A city, state/province/region or country of the world-cities list, any size."""
        return norm(phrase) in self.all_places

    def english_forms(self, token):
        """The lower-case token, and the forms that a regular English suffix makes of it:
        plural or possessive -s/-es/-ies ("Pods" -> "pod"), and the agent nouns in -man/-men
        and -sman/-smen ("Craftsman" -> "craft", like salesman, sportsman, workman)."""
        w = strip_accents(token).lower().replace("’", "'")
        if not re.fullmatch(r"[a-z]+(?:'s|s')?", w):
            return [w], []
        exact = [w]
        derived = []
        if w.endswith("'s") or w.endswith("s'"):
            derived.append(w[:-2])
            w = w[:-2]
        if len(w) >= 4 and w.endswith("s") and not w.endswith("ss"):
            derived.append(w[:-1])
            if re.search(r"(s|x|z|ch|sh)es$", w):
                derived.append(w[:-2])
            if w.endswith("ies") and len(w) >= 5:
                derived.append(w[:-3] + "y")
        m = re.fullmatch(r"([a-z]{4,}?)(s?)m[ae]n", w)
        if m:
            derived.append(m.group(1) + m.group(2) + "man")
            derived.append(m.group(1) + m.group(2) + "men")
            derived.append(m.group(1))
            if m.group(2):
                derived.append(m.group(1) + "s")
        return exact, derived

    def is_english_word(self, token):
        """The token or one of its regular forms (english_forms) occurs in lower case in EWT as
        a word that is not a proper noun. Lower-case proper nouns are left out: they are brand
        names typed in lower case ("petsmart", "gamestop", "nissan"), not English words."""
        exact, derived = self.english_forms(token)
        return any(self.ordinary[x] >= 1 for x in exact + [d for d in derived if len(d) >= 3])

    def english_frequency(self, token):
        """Lower-case, non-proper-noun uses in EWT of the token and its regular forms."""
        exact, derived = self.english_forms(token)
        return sum(self.ordinary[x] for x in set(exact + [d for d in derived if len(d) >= 3]))


# ---------------------------------------------------------------------------------------------
# Records: one per source item
# ---------------------------------------------------------------------------------------------

class Rec:
    __slots__ = ("src", "key", "primary", "names", "qids", "websites", "handles", "category",
                 "countries", "desc", "owner_qids", "owner_names", "weight",
                 "join_only", "defunct", "cat_prio", "label", "extra_src")

    def __init__(self, src, key, primary):
        self.src = src
        self.key = key
        self.primary = primary
        self.names = []          # (alias, kind)
        self.qids = []
        self.websites = []
        self.handles = []
        self.category = None
        self.cat_prio = 0
        self.countries = set()
        self.desc = ""
        self.owner_qids = []
        self.owner_names = []
        self.weight = 0.0
        self.join_only = False
        self.defunct = False
        self.label = None
        self.extra_src = set()

    def add_name(self, s, kind):
        if s:
            s = clean_space(s)
            if s:
                self.names.append((s, kind))


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def nsi_locations(item):
    """Target countries an NSI item is in (empty set: none of them)."""
    ls = item.get("locationSet", {})
    inc = set()
    for x in ls.get("include", []):
        if not isinstance(x, str):
            continue
        x = x.lower().replace(".geojson", "")
        if x in REGION_CODES:
            inc |= REGION_CODES[x]
        else:
            cc = x.split("-")[0]
            if cc in TARGET_SET:
                inc.add(cc)
    for x in ls.get("exclude", []):
        if isinstance(x, str):
            x = x.lower().replace(".geojson", "")
            if x in TARGET_SET:
                inc.discard(x)
    return inc


def load_nsi(corpora, wd):
    base = os.path.join(corpora, "companies-open", "nsi-name-suggestion-index", "data")
    recs = []
    files = []
    for root, dirs, fs in os.walk(base):
        dirs.sort()
        for fn in sorted(fs):
            if fn.endswith(".json"):
                files.append(os.path.join(root, fn))
    files.sort()
    for path in files:
        rel = os.path.relpath(path, base).replace(os.sep, "/")[:-5]
        group, kind = rel.split("/", 1)
        if group == "brands":
            cat = NSI_BRAND_CATEGORY.get(kind)
            if cat is None and kind.startswith("shop/") and kind not in NSI_SHOP_SKIP:
                cat = "retailer"
            name_keys = ("brand:en", "brand", "name:en", "name")
            qid_key = "brand:wikidata"
            join_only = False
        elif group == "operators":
            cat = NSI_OPERATOR_CATEGORY.get(kind)
            name_keys = ("operator:en", "operator")
            qid_key = "operator:wikidata"
            join_only = kind in NSI_OPERATOR_JOIN_ONLY
        else:
            cat = NSI_TRANSIT_CATEGORY.get(kind)
            name_keys = ("network:en", "network")
            qid_key = "network:wikidata"
            join_only = False
        if cat is None:
            continue
        data = read_json(path)
        for it in data.get("items", []):
            if "templateSource" in it:
                continue
            tags = it.get("tags", {})
            locs = nsi_locations(it)
            if not locs:
                continue
            qid = tags.get(qid_key) or ""
            if not re.fullmatch(r"Q[0-9]+", qid):
                continue
            primary = None
            for k in name_keys:
                v = tags.get(k)
                if v and is_latin(v):
                    primary = v
                    break
            if primary is None:
                dn = re.sub(r"\s*\([^)]*\)\s*", " ", it.get("displayName", "")).strip()
                if dn and is_latin(dn):
                    primary = dn
            if not primary:
                continue
            r = Rec("nsi-name-suggestion-index", "nsi:" + it["id"], clean_space(primary))
            r.category = cat
            r.cat_prio = 1
            r.countries = locs
            r.join_only = join_only
            if join_only and kind in ("telecom/exchange", "man_made/street_cabinet", "man_made/mast"):
                # Telephone exchanges and street cabinets name the phone and cable companies
                # (Cox, Frontier): those may make an entry of their own.
                d = (wd.get(qid) or {}).get("description") or ""
                if TELECOM_WORDS.search(primary + " " + d) and locs & {"us", "gb", "ca", "au", "ie", "nz"}:
                    r.join_only = False
            r.qids.append(qid)
            r.add_name(primary, "primary")
            dn = re.sub(r"\s*\([^)]*\)\s*", " ", it.get("displayName", "")).strip()
            r.add_name(dn, "display")
            if group == "brands":
                for k in ("brand", "brand:en", "name:en", "short_name", "short_name:en",
                          "official_name", "official_name:en", "brand:short"):
                    r.add_name(tags.get(k), "tag")
                if tags.get("name") and norm(tags["name"]) != norm(primary):
                    r.add_name(tags.get("name"), "name")
                for v in (tags.get("alt_name") or "").split(";"):
                    r.add_name(v, "alt")
                # The operator of a brand: the same company when the names agree, else an owner.
                oq = tags.get("operator:wikidata")
                on = tags.get("operator")
                if oq and oq != qid:
                    if on and same_company_names(on, primary):
                        r.qids.append(oq)
                    else:
                        r.owner_qids.append(oq)
                elif on and not oq and norm_core(on) != norm_core(primary):
                    r.owner_names.append(on)
            elif group == "operators":
                for k in ("operator:short", "operator:short:en", "operator", "operator:en"):
                    r.add_name(tags.get(k), "tag")
            else:
                for k in ("network:short", "network:en", "network"):
                    r.add_name(tags.get(k), "tag")
                oq = tags.get("operator:wikidata")
                if oq and oq != qid:
                    r.owner_qids.append(oq)
            for m in it.get("matchNames", []):
                r.add_name(m, "match")
            info = wd.get(qid)
            # NSI sometimes gives a brand the Wikidata item of its owner or a neighbour
            # ("Foodary" -> Ampol, "5.11 Tactical" -> & Other Stories): when the item's label
            # does not name this brand, the item is only a hint of the owner.
            if info and info.get("label") and not names_agree(
                    [primary, dn, tags.get("brand"), tags.get("name")], info["label"]):
                r.qids = [q for q in r.qids if q != qid]
                info = None
            for q in r.qids:
                qi = wd.get(q)
                if not qi:
                    continue
                if r.label is None:
                    r.label = qi.get("label") or ""
                r.add_name(qi.get("label"), "label")
                if not r.desc:
                    r.desc = qi.get("description") or ""
                ids = qi.get("identities", {})
                if ids.get("website"):
                    r.websites.append(ids["website"])
                h = valid_handle(ids.get("twitter"))
                if h:
                    r.handles.append(h)
                if q == qid and qi.get("dissolutions"):
                    r.defunct = True
            # Weight: how central the item is for our readers.
            w = 1.0
            if locs & {"us", "gb"}:
                w += 1.5
            if "us" in locs and "gb" in locs:
                w += 1.0
            if info:
                w += 1.0
                if info.get("identities", {}).get("twitter"):
                    w += 1.0
            if group == "operators":
                w -= 0.5
            r.weight = w
            recs.append(r)
    return recs


TELECOM_WORDS = re.compile(r"(?i)telecom|communications|\bcable\b|broadband|\bfib(er|re)\b|"
                          r"internet|wireless|mobile|cellular|telephone")

STORE_WORDS = {"store", "stores", "shop", "shops", "cafe", "café", "express", "outlet", "retail",
               "stations", "station", "centre", "center", "online", "direct", "mobile", "wireless"}


def same_company_names(operator, brand):
    """'Apple' operating 'Apple Store': the same company."""
    o, b = norm_core(operator).split(), norm_core(brand).split()
    if o == b:
        return True
    if o and b[:len(o)] == o and set(b[len(o):]) <= STORE_WORDS:
        return True
    return False


def names_agree(names, label):
    """Does one of names and the label name the same thing (a shared distinctive word, one
    inside the other, or initials: 'UPS' / 'United Parcel Service')?"""
    numbers = {"1": "one", "2": "two", "3": "three", "4": "four", "5": "five", "7": "seven",
               "9": "nine", "10": "ten"}
    if label.strip() in numbers and any(n and norm(n) == numbers[label.strip()] for n in names):
        return True  # "3" is Three
    lw = [w for w in norm(label).split() if len(w) >= 3 and w not in LEGAL_SUFFIXES
          and w not in OWNER_SUFFIXES]
    lsq = squash(label)
    init = "".join(w[0] for w in norm(label).split() if w not in ("of", "the", "and", "de"))
    for n in names:
        if not n:
            continue
        nw = [w for w in norm(n).split() if len(w) >= 3 and w not in LEGAL_SUFFIXES]
        nsq = squash(n)
        if not nsq:
            continue
        if set(nw) & set(lw) or (len(nsq) >= 3 and nsq in lsq) or (len(lsq) >= 3 and lsq in nsq):
            return True
        if len(nsq) >= 2 and (nsq == init or init.startswith(nsq) and len(nsq) >= 3):
            return True
        if len(nw) == 0 and nsq == lsq:
            return True
    return False


def load_wikidata(corpora):
    path = os.path.join(corpora, "companies-open", "nsi-name-suggestion-index", "dist",
                        "wikidata.min.json")
    return read_json(path).get("wikidata", {})


def load_airlines(corpora):
    base = os.path.join(corpora, "companies-open")
    optd_dir = os.path.join(base, "opentraveldata-airlines")
    recs = []

    def caret_rows(fn):
        with open(os.path.join(optd_dir, fn), encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f, delimiter="^"))

    # Twitter handles by IATA code.
    tw = collections.defaultdict(list)
    with open(os.path.join(optd_dir, "travel_players_twitter_accounts.csv"), encoding="utf-8",
              newline="") as f:
        for row in csv.DictReader(f):
            if row["account_type"] == "airline" and row["IATA_code"]:
                h = valid_handle(row["twitter_account"])
                if h:
                    tw[row["IATA_code"]].append(h)
    web_pk = {}
    for row in caret_rows("optd_airlines_websites.csv"):
        if row.get("website"):
            web_pk[row["pk"]] = row["website"]
    web_code = {}
    for row in caret_rows("optd_airlines_websites_wkdt.csv"):
        if row.get("website"):
            web_code.setdefault((row["3char_code"], row["2char_code"]), row["website"])
            if row["3char_code"]:
                web_code.setdefault((row["3char_code"], ""), row["website"])
    alliance = set()
    for row in caret_rows("optd_airline_alliance_membership.csv"):
        if not row.get("to_date"):
            alliance.add(row["airline_iata_code_2c"])
    rows = caret_rows("optd_airlines.csv")
    # The current row per IATA code (the one Twitter handles belong to).
    current_by_iata = {}
    for row in rows:
        if row["env_id"] or row["validity_to"] or not row["2char_code"]:
            continue
        ff = int(row["flt_freq"] or 0)
        prev = current_by_iata.get(row["2char_code"])
        if prev is None or ff > int(prev["flt_freq"] or 0):
            current_by_iata[row["2char_code"]] = row
    # Each handle goes to the row of its IATA code whose name it spells (codes are reused:
    # "bmibaby_com" is bmibaby's, not WOW air's), else to the current row of that code.
    handle_row = {}
    rows_by_iata = collections.defaultdict(list)
    for row in rows:
        if not row["env_id"] and row["2char_code"] and not re.search(r"(?i)\bcargo\b", row["name"]) \
                and not (set(row["type"]) & {"C", "G", "D", "R"} and "P" not in row["type"]):
            rows_by_iata[row["2char_code"]].append(row)
    def spells(h, row):
        hs = h.lower().replace("_", "")
        hs2 = re.sub(r"^(fly|ask|the)", "", hs)
        words = [w for w in norm(row["name"]).split() if w not in AIRLINE_GENERIC]
        initials = "".join(w[0] for w in norm(row["name"]).split() if w not in ("de", "the", "of"))
        code = row["2char_code"].lower()
        return (squash(row["name"]) in hs or any(len(w) >= 4 and w in hs for w in words)
                or any(len(w) == 3 and hs2.startswith(w) for w in words)
                or (len(initials) >= 2 and hs2.startswith(initials))
                or re.search(r"(^|_)%s(_|$)" % re.escape(code), h.lower()) is not None
                or (h[:2].lower() == code and (h[2:3].isupper() or h[2:3] == "_")))

    for code in sorted(tw):
        for h in tw[code]:
            cands = [row for row in rows_by_iata.get(code, []) if spells(h, row)]
            cands.sort(key=lambda row: -int(row["flt_freq"] or 0))
            cur = [row for row in cands if not row["validity_to"]]
            match = (cur or cands or [None])[0]
            if match is not None:
                handle_row.setdefault(match["pk"], []).append(h)
    for row in rows:
        if row["env_id"]:
            continue  # an older version of a row
        if set(row["type"]) & {"C", "G", "D", "R"} and "P" not in row["type"]:
            continue  # cargo, reservation systems, ...
        iata, icao = row["2char_code"], row["3char_code"]
        name = clean_space(row["name"])
        if not name or not is_latin(name) or re.search(r"(?i)\bcargo\b", name):
            continue
        current = not row["validity_to"]
        ff = int(row["flt_freq"] or 0)
        handles = handle_row.get(row["pk"], [])
        web = web_pk.get(row["pk"]) or web_code.get((icao, iata)) or (
            web_code.get((icao, "")) if icao else None)
        # Which airlines: current (OPTD validity: no end date) with an IATA code and traffic
        # (OPTD flight frequency), or in an alliance, or with an official Twitter account (this
        # also keeps well-known defunct ones like US Airways). OPTD gives no country.
        keep = False
        if current and iata and row["wiki_link"] and (ff >= 3000 or iata in alliance):
            keep = True
        if handles:
            keep = True
        r = Rec("opentraveldata-airlines", "optd:" + row["pk"], name)
        r.category = "airline"
        r.cat_prio = 2
        r.join_only = not keep
        r.defunct = not current
        r.add_name(name, "primary")
        # "Pakistan International Airlines (PIA)": the name without the bracket is a name too.
        bare = clean_space(re.sub(r"\s*\([^)]*\)", " ", name))
        if bare and bare != name:
            r.add_name(bare, "airline")
        alts = [row["name2"]] + re.findall(r"en\|([^|]*)\|", row["alt_names"] or "")
        for a in alts:
            if a and is_latin(a) and airline_name_agrees(a, name):
                r.add_name(a, "airline")
        if web:
            r.websites.append(web)
        r.handles.extend(handles)
        r.weight = 2.0 + min(ff, 1_000_000) / 200_000.0 + (2.0 if handles else 0.0) + (
            1.0 if r.countries & {"us", "gb", "ca", "au", "ie", "in", "nz"} else 0.0)
        recs.append(r)
    return recs


AIRLINE_GENERIC = {"air", "airlines", "airline", "airways", "aviation", "express", "international",
                   "lines", "line", "the", "de", "company", "transport", "regional", "connection"}


def airline_name_agrees(alt, name):
    """An alternative airline name is kept when it shares a distinctive word with the name, or
    is its initials ('ANA' for All Nippon Airways)."""
    a = set(norm(alt).split()) - AIRLINE_GENERIC
    n = set(norm(name).split()) - AIRLINE_GENERIC
    if a & n:
        return True
    initials = "".join(w[0] for w in norm(name).split() if w not in ("de", "the", "of"))
    return squash(alt) == initials and len(initials) >= 2


def load_sp500(corpora):
    path = os.path.join(corpora, "companies-open", "sp500-companies", "constituents.csv")
    recs = []
    seen = set()
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            sec = row["Security"]
            sub = row["GICS Sub-Industry"]
            name = re.sub(r"\s*\((?:Class [A-Z]|The)\)", "", sec).strip()
            if sec.endswith("(The)"):
                name = "The " + name if not name.startswith("The ") else name
            if name in seen:
                continue
            seen.add(name)
            cat, start = SP500_CATEGORY.get(sub, (None, False))
            if sec in SP500_START:
                cat, start = SP500_START[sec], True
            if cat is None:
                continue
            r = Rec("sp500-companies", "sp500:" + row["Symbol"], name)
            r.category = cat
            r.cat_prio = 3
            r.join_only = not start
            r.countries = {"us"}
            r.add_name(name, "primary")
            core = strip_legal(name)
            if core != name:
                r.add_name(core, "sp500")
            r.weight = 3.0
            recs.append(r)
    return recs


def strip_legal(name):
    """'Apple Inc.' -> 'Apple', 'The Hertz Corporation' -> 'Hertz', 'Hilton Worldwide' stays."""
    s = clean_space(name)
    s = re.sub(r"^The\s+", "", s)
    prev = None
    while prev != s:
        prev = s
        s = re.sub(r",?\s+(Inc\.?|Incorporated|Corp\.?|Corporation|Company|Co\.|Ltd\.?|Limited|"
                   r"plc|PLC|LLC|L\.L\.C\.|N\.V\.|S\.A\.|AG|SE|GmbH|Holdings|Group|Companies|Bancorp|"
                   r"Bancshares|Financial Services|Financial Corporation|Financial)$", "", s)
    return s.strip(" ,")


def load_simple_icons(corpora):
    path = os.path.join(corpora, "companies-open", "simple-icons-brands", "simple-icons.json")
    recs = []
    for i, e in enumerate(read_json(path)):
        title = e.get("title", "")
        cat = SIMPLE_ICONS_KEEP.get(title)
        if cat is None:
            continue
        r = Rec("simple-icons-brands", "si:%d" % i, title)
        r.category = cat
        r.cat_prio = 2
        r.add_name(title, "primary")
        al = e.get("aliases", {})
        for a in al.get("aka", []):
            r.add_name(a, "aka")
        for d in al.get("dup", []):
            if isinstance(d, dict) and d.get("title"):
                r.add_name(d["title"], "aka")
        for a in al.get("old", []):
            r.add_name(a, "old")
        loc = al.get("loc", {})
        for lang in sorted(loc):
            if lang.startswith("en") and is_latin(loc[lang]):
                r.add_name(loc[lang], "aka")
        dom = registrable_domain(e.get("source", ""))
        if dom and not is_hosting(dom):
            if squash(dom.split(".")[0]) == squash(title):
                r.websites.append(e["source"])
        r.weight = 2.0
        recs.append(r)
    return recs


def load_curated():
    recs = []
    for i, c in enumerate(CURATED):
        r = Rec("curated", "curated:%d" % i, c["name"])
        r.category = c["category"]
        r.cat_prio = 6
        r.countries = set(c["countries"])
        for a in c["aliases"]:
            r.add_name(a, "primary" if a == c["name"] else "aka")
        r.handles.extend(c["handles"])
        r.websites.extend("https://" + d for d in c["domains"])
        r.weight = 4.0
        recs.append(r)
    return recs


def load_hand(path):
    """The hand-made gazetteer's entries: only their ids and identifying names are used."""
    if not path or not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        raw = f.read()
    if tomllib is not None:
        data = tomllib.loads(raw.decode("utf-8"))
        return data.get("company", [])
    return []


# ---------------------------------------------------------------------------------------------
# Union-find
# ---------------------------------------------------------------------------------------------

class UF:
    def __init__(self, n):
        self.p = list(range(n))

    def find(self, a):
        while self.p[a] != a:
            self.p[a] = self.p[self.p[a]]
            a = self.p[a]
        return a

    def union(self, a, b):
        a, b = self.find(a), self.find(b)
        if a != b:
            if b < a:
                a, b = b, a
            self.p[b] = a
        return a


# ---------------------------------------------------------------------------------------------
# Names: which strings become aliases
# ---------------------------------------------------------------------------------------------

DESCRIPTOR_WORDS = {
    "store", "stores", "shop", "shops", "station", "stations", "retailer", "retailers",
    "authorized", "authorised", "dealer", "dealers", "dealership", "atm", "atms", "branch",
    "branches", "outlet", "outlets", "location", "locations", "kiosk", "petrol", "fuel",
    "pickup", "locker", "lockers", "drive", "thru", "through", "office", "offices", "depot",
    "supercenter", "superstore", "hypermarket", "warehouse", "centre", "center", "point",
    "parking", "garage", "terminal", "stop", "dropoff", "drop", "box", "counter", "desk",
    "agency", "agent", "agents", "franchise", "franchisee", "owned", "operated", "the",
    "near", "me", "mall", "plaza", "unit", "building", "headquarters", "hq", "dot", "com",
    "www", "online", "website", "app",
}
TAIL_DESCRIPTORS = ("fuel station", "gas station", "petrol station", "filling station", "atm",
                    "atms", "charging station", "charging stations", "parcel locker",
                    "parcel lockers", "post box", "fuel stations", "gas stations", "car wash",
                    "pharmacy", "travel centre", "travel center", "express delivery")


def recase_match_name(m, known):
    """NSI matchNames are lower case: give each word the case it has elsewhere."""
    out = []
    for w in m.split(" "):
        lw = w.lower()
        if lw in known:
            out.append(known[lw])
        elif lw in ("us", "u.s.", "uk", "usa"):
            out.append(lw.upper())
        elif re.fullmatch(r"[a-z]{1,4}", lw) and not re.search(r"[aeiouy]", lw):
            out.append(lw.upper())
        elif lw in ("of", "and", "the", "for", "de", "du", "la", "le", "by", "in", "on", "at", "a"):
            out.append(lw if out else lw.capitalize())
        else:
            out.append(w[:1].upper() + w[1:])
    return " ".join(out)


def variants(a):
    """Spellings people write for the same name."""
    out = [a]
    if "'" in a or "’" in a:
        straight = a.replace("’", "'")
        out += [straight, straight.replace("'", "’"), straight.replace("'", "")]
    if re.search(r"\w-\w", a) and not re.search(r"\d-\d", a):
        out.append(a.replace("-", " "))
        first = a.split("-", 1)[0]
        if len(first) == 1:
            out.append(a.replace("-", "", 1))
    if " & " in a and not re.search(r"(^|\s)\w & |\s&\s\w($|\s)", a):
        out.append(a.replace(" & ", " and "))
    if a.endswith(".") and len(a) > 3 and not re.search(r"\b[A-Z]\.$", a):
        out.append(a[:-1])
    res = []
    for v in out:
        v = clean_space(v)
        if v and v not in res:
            res.append(v)
    return res


def bad_alias(a, lex):
    if len(a) < 2 or len(a) > 60:
        return True
    if re.fullmatch(r"[0-9 .,'’-]+", a):
        return True
    if re.search(r"https?:|www\.|[()\[\]{};|/\\@#<>=\"]", a):
        return True
    if re.fullmatch(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.(com|net|org|co|io|uk|de|in|au|ca|ie|nz|fr|es|it|app|me|tv)", a):
        return True  # a domain, not a name (domains are matched as domains)
    if not is_latin(a):
        return True
    n = norm(a)
    if not n or n in GENERIC_NAMES or strip_accents(a).lower() in GENERIC_NAMES:
        return True
    if n in CHANNEL_NAMES:
        return True
    if ":" in a or " - " in a or "," in a:
        return True
    return False


# ---------------------------------------------------------------------------------------------
# The build
# ---------------------------------------------------------------------------------------------

COMPAT = [
    {"bank", "card_issuer", "lender", "credit_bureau", "debt_collector"},
    {"bank", "insurer"},
    {"telecom", "cable"},
    {"retailer", "supermarket"},
    {"retailer", "restaurant"},
    {"retailer", "other_consumer"},
    {"retailer", "car_maker"},
    {"car_maker", "other_consumer"},
    {"restaurant", "other_consumer"},
    {"software_web", "entertainment"},
    {"software_web", "other_consumer"},
    {"hotel", "travel"},
    {"hotel", "entertainment"},
    {"carrier", "retailer"},
    {"rail", "transit", "travel"},
    {"car_rental", "travel"},
    {"airline", "travel"},
]


def compatible(c1, c2):
    if c1 == c2 or c1 is None or c2 is None:
        return True
    return any(c1 in s and c2 in s for s in COMPAT)


def rec_domains(r):
    out = []
    for w in r.websites:
        d = registrable_domain(w)
        if not d:
            continue
        if is_hosting(d):
            lab = squash(d.split(".")[0])
            if not lab or lab not in squash(r.primary):
                continue
        if d not in out:
            out.append(d)
    return out


def build(corpora, hand_path):
    lex = Lexicon(corpora)
    wd = load_wikidata(corpora)
    recs = []
    recs += load_nsi(corpora, wd)
    recs += load_airlines(corpora)
    recs += load_sp500(corpora)
    recs += load_simple_icons(corpora)
    recs += load_curated()
    n = len(recs)
    doms = [rec_domains(r) for r in recs]
    uf = UF(n)

    def union_by(keyfn):
        first = {}
        for i, r in enumerate(recs):
            for k in keyfn(i, r):
                if k in first:
                    uf.union(first[k], i)
                else:
                    first[k] = i

    # 1. Same Wikidata item.
    union_by(lambda i, r: [("q", q) for q in r.qids])

    def id_names(r):
        ks = {norm_core(r.primary)}
        for a, k in r.names:
            if r.src == "simple-icons-brands":
                break
            if k in ("primary", "display", "label", "tag", "aka", "airline", "sp500"):
                ks.add(norm_core(a))
        ks.discard("")
        return ks

    names_of = [id_names(r) for r in recs]
    # 2. Same name and same domain, or same name and same Twitter handle.
    union_by(lambda i, r: [("nd", k, d) for k in names_of[i] for d in doms[i]])
    union_by(lambda i, r: [("nh", k, h.lower()) for k in names_of[i] for h in r.handles])

    # 3. Name-only joins for groups that have no domain of their own (S&P, curated, and
    #    NSI items without a Wikidata cache entry): join the best compatible group of that name.
    def groups():
        g = collections.defaultdict(list)
        for i in range(n):
            g[uf.find(i)].append(i)
        return g

    for suffixes in (LEGAL_SUFFIXES, OWNER_SUFFIXES):
        g = groups()
        gname = {}
        gdom = {}
        gcat = {}
        gloc = {}
        gw = {}
        gq = {}
        for root, mem in g.items():
            ks = set()
            for i in mem:
                r = recs[i]
                ks.add(norm_core(r.primary, suffixes))
                if r.src == "simple-icons-brands":
                    continue  # its 'aka' names are sometimes other brands of the owner
                for a, k in r.names:
                    if k in ("primary", "display", "label", "tag", "airline", "sp500"):
                        ks.add(norm_core(a, suffixes))
            ks.discard("")
            ks |= {k.replace(" ", "") for k in ks if " " in k}
            gname[root] = ks
            gq[root] = any(recs[i].qids for i in mem)
            gdom[root] = set(d for i in mem for d in doms[i])
            cats = collections.Counter()
            for i in mem:
                cats[recs[i].category] += recs[i].cat_prio
            gcat[root] = cats.most_common(1)[0][0]
            gloc[root] = set().union(*(recs[i].countries for i in mem))
            gw[root] = sum(recs[i].weight for i in mem)
        index = collections.defaultdict(list)
        for root in sorted(g):
            for k in gname[root]:
                index[k].append(root)
        for root in sorted(g):
            if gdom[root] and not all(recs[i].src in ("sp500-companies",) for i in g[root]):
                continue
            best = None
            for k in sorted(gname[root]):
                for other in index.get(k, []):
                    o = uf.find(other)
                    if o == uf.find(root):
                        continue
                    if gq[root] and gq[other]:
                        continue  # two Wikidata items: two companies
                    if not compatible(gcat[root], gcat.get(other)):
                        continue
                    if gloc[root] and gloc[other] and not (gloc[root] & gloc[other]):
                        continue
                    score = (gw[other], -other)
                    if best is None or score > best[0]:
                        best = (score, o)
            if best is not None:
                uf.union(root, best[1])

    g = groups()
    # Groups made only of join-only records (small operators, inactive airlines) are dropped
    # later unless the hand-made file names them.
    entries = [sorted(g[root]) for root in sorted(g)]
    return lex, wd, recs, doms, entries


# ---------------------------------------------------------------------------------------------
# Entries
# ---------------------------------------------------------------------------------------------

class Entry:
    def __init__(self):
        self.members = []
        self.name = ""
        self.aliases = []       # in priority order
        self.primary_keys = set()
        self.handles = []
        self.domains = []
        self.category = None
        self.countries = set()
        self.qids = []
        self.sources = set()
        self.weight = 0.0
        self.desc = ""
        self.owner_qids = []
        self.owner_names = []
        self.hand_id = None
        self.id = None
        self.owner = None
        self.parent = None
        self.is_airline = False
        self.defunct = False
        self.has_cache = False
        self.join_only = False


NAME_PRIO = {"primary": 0, "airline": 1, "display": 2, "tag": 3, "aka": 3, "sp500": 4,
             "label": 5, "name": 6, "alt": 6, "old": 7, "match": 8}
SRC_PRIO = {"curated": 0, "nsi-name-suggestion-index": 1, "opentraveldata-airlines": 2,
            "simple-icons-brands": 3, "sp500-companies": 5}


def name_key(a):
    """norm_core() without a trailing country word: "T-Mobile US" supports "T-Mobile"."""
    k = norm_core(a)
    return re.sub(r"(?<=\S) (us|usa|uk)$", "", k)


def make_entry(mem, recs, doms, lex=None):
    e = Entry()
    e.members = mem
    rs = [recs[i] for i in mem]
    for r in rs:
        e.sources.add(r.src)
        e.countries |= r.countries
        e.weight += r.weight
        for q in r.qids:
            if q not in e.qids:
                e.qids.append(q)
        if r.label is not None:
            e.has_cache = True
        if r.category == "airline" and r.src == "opentraveldata-airlines":
            e.is_airline = True
        e.sources |= r.extra_src
    e.defunct = all(recs[i].defunct for i in mem)
    e.join_only = all(recs[i].join_only for i in mem)
    # Category: from the highest priority source; a specific category (supermarket, bank ...)
    # over the catch-all ones (retailer, other_consumer).
    crs = [r for r in rs if not r.join_only] or rs
    best_prio = max(r.cat_prio for r in crs)
    top = collections.Counter()
    for r in crs:
        if r.cat_prio == best_prio:
            top[r.category] += r.weight * (1 if r.category in ("retailer", "other_consumer") else 2)
    e.category = sorted(top.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    # Display name: the name most sources agree on (brand name over legal name), written as
    # the preferred source writes it.
    order = sorted(range(len(rs)), key=lambda j: (SRC_PRIO.get(rs[j].src, 9), -rs[j].weight,
                                                  rs[j].key))
    support = collections.defaultdict(set)
    for r in rs:
        for a, k in [(r.primary, "primary")] + r.names:
            if k in ("primary", "display", "tag", "aka", "sp500"):
                support[name_key(a)].add(r.src)
    airline_first = e.is_airline and e.category == "airline"
    best = None
    for j in order:
        r = rs[j]
        cand = strip_legal(r.primary) if r.src == "sp500-companies" else r.primary
        if not cand or (cand != r.primary and len(cand.split()) == 1 and lex is not None
                        and classify_alias(cand, lex)[1]):
            cand = re.sub(r"^The\s+", "", r.primary)  # "Southern Company", not "Southern"
        sc = (len(support[name_key(cand)]),
              1 if (airline_first and r.src == "opentraveldata-airlines") else 0)
        if best is None or sc > best[0]:
            best = (sc, cand)
    e.name = clean_space(re.sub(r"\s*\([^)]*\)", "", best[1])) or best[1]
    if re.fullmatch(r"[A-Za-z0-9-]+\.com", e.name) and e.name.lower() not in e.domains:
        e.domains.append(e.name.lower())  # "Booking.com" is its own web address
    # Descriptions, owners.
    for j in order:
        r = rs[j]
        if r.desc and not e.desc:
            e.desc = r.desc
        for q in r.owner_qids:
            if q not in e.owner_qids:
                e.owner_qids.append(q)
        for o in r.owner_names:
            if o not in e.owner_names:
                e.owner_names.append(o)
    # Handles and domains, in record order.
    for j in order:
        r = rs[j]
        for h in r.handles:
            if h.lower() not in {x.lower() for x in e.handles}:
                e.handles.append(h)
        for d in doms[mem[j]]:
            if d not in e.domains:
                e.domains.append(d)
    return e


def collect_aliases(e, recs, lex):
    rs = [recs[i] for i in e.members]
    prim = set()
    for r in rs:
        prim.add(norm_core(r.primary))
        for a, k in r.names:
            if k in ("primary", "display", "tag", "airline", "aka", "sp500"):
                prim.add(norm_core(a))
    prim.discard("")
    e.primary_keys = prim
    cands = []  # (prio, alias, kind)
    for r in rs:
        sp = SRC_PRIO.get(r.src, 9)
        for a, k in r.names:
            cands.append((NAME_PRIO.get(k, 9), sp, a, k, r))
    cands.sort(key=lambda c: (c[0], c[1], c[2]))
    # Word casing known from the real names, for lower-case NSI matchNames.
    known = {}
    for _, _, a, k, _ in cands:
        if k != "match":
            for w in a.split(" "):
                known.setdefault(w.lower(), w)
                sq = squash(w)
                if sq and sq != w.lower():
                    known.setdefault(sq, w)
    prim_words = set()
    for p in prim:
        prim_words |= {w for w in p.split() if len(w) >= 3}
    out = []
    seen = set()

    def add(a, kind):
        for v in variants(a):
            if bad_alias(v, lex):
                # "Booking.com", "Hotels.com": a brand whose name is its web address
                if not (kind == "primary" and v == a and re.fullmatch(r"[A-Za-z0-9-]+\.com", v)):
                    continue
            key = v.lower()
            if key in seen:
                continue
            single = len(v.split()) == 1
            # "Jacks" from "Jack's", "Marks" from "Mark's": the spelling without the
            # apostrophe is an ordinary word, the name is not.
            if v != a and single and ("'" in a or "’" in a) and "'" not in v and "’" not in v \
                    and classify_alias(v, lex)[1]:
                continue
            # "Range" from "The Range", "Shoe" from "The Shoe Company": a shortened name that
            # is one ordinary word is not a name.
            if kind == "short" and single and classify_alias(v, lex)[1]:
                continue
            # Two letters: only a brand's own name ("BT", "EE", "O2"), never an ordinary
            # word in capitals ("AT", "ME", "HI").
            letters = re.sub(r"[^0-9A-Za-z]", "", v)
            if len(letters) <= 2 and (norm_core(v) != norm_core(e.name) or
                                      lex.lower_seen[letters.lower()] > 0):
                continue
            # Up to three letters all in lower case ("dm", "exo"): chat abbreviations.
            if len(letters) <= 3 and not re.search(r"[A-Z]", v):
                continue
            # A secondary name that is one ordinary word, first name or place is not how
            # people name this company ("Commuter", "InterCity" for Irish Rail).
            words = norm(v).split()
            if kind not in ("primary", "display", "tag", "aka", "short", "airline_short") and \
                    len(words) == 1 and norm_core(v) not in prim and \
                    (lex.is_ordinary(v) or lex.is_common_name(v) or lex.is_place(v)
                     or norm(v) in GENERIC_WEAK):
                continue
            seen.add(key)
            out.append(v)

    for _, _, a, k, r in cands:
        if k == "match":
            m = clean_space(a)
            words = norm(m).split()
            if not words or set(words) & DESCRIPTOR_WORDS:
                continue
            if m.lower().endswith(TAIL_DESCRIPTORS):
                continue
            shares = bool(set(words) & prim_words) or squash(m) in {p.replace(" ", "") for p in prim}
            if not shares and len(words) < 2:
                continue
            if not shares and re.search(r"\d", m):
                continue
            a = recase_match_name(m, known)
        elif k == "label":
            if a.lower().endswith(TAIL_DESCRIPTORS):
                continue
            # A Wikidata label of a sub-item that names another company ("X by Y").
            if norm_core(a) not in prim and not (set(norm(a).split()) & prim_words):
                continue
        elif k in ("name", "alt"):
            if not (set(norm(a).split()) & prim_words) and norm_core(a) not in prim:
                continue
            if a.lower().endswith(TAIL_DESCRIPTORS):
                continue
        add(a, k)
        if k in ("primary", "display", "label", "sp500", "tag", "airline"):
            core = strip_legal(a)
            if core and core != a and len(core) >= 2:
                add(core, "short")
        if k in ("primary", "display", "label", "tag", "airline") and re.match(r"(?i)the\s+\S", a):
            rest = re.sub(r"(?i)^the\s+", "", a)
            if len(rest.split()) > 1 or not lex.is_ordinary(rest):
                add(rest, "short")
    # Airline short names: "Delta Air Lines" -> "Delta", "Spirit Airlines" -> "Spirit".
    # Only for airlines with an official Twitter account (the ones people talk about), and not
    # when the short name is a city ("Brussels") or a country ("Singapore").
    if e.is_airline and e.handles and (not e.countries or e.countries & TARGET_SET):
        for a in list(out):
            m = re.match(r"^(.+?)\s+(Airlines|Air Lines|Airways|Airline|Air)$", a)
            if not m:
                continue
            short = m.group(1)
            ns = norm(short)
            if len(short) < 3 or ns in AIRLINE_SHORT_SKIP_WORDS or ns in lex.countries or \
                    ns in lex.cities:
                continue
            if ns in ("jet", "go", "fly", "flair", "silver", "mesa", "envoy", "air"):
                continue
            add(short, "airline_short")
    e.aliases = out


# Words that make a lower-case phrase a company name, not ordinary text ("chase bank").
INDUSTRY_WORDS = {
    "bank", "banks", "airlines", "airline", "airways", "air", "mobile", "wireless", "cellular",
    "telecom", "insurance", "hotel", "hotels", "inn", "suites", "motel", "motors", "motor",
    "financial", "finance", "credit", "loans", "mortgage", "group", "corporation", "company",
    "inc", "store", "stores", "restaurant", "restaurants", "cafe", "pizza", "burger", "burgers",
    "coffee", "grill", "market", "supermarket", "pharmacy", "rail", "railway", "railroad",
    "trains", "bus", "buses", "transit", "energy", "electric", "power", "gas", "water",
    "communications", "cable", "broadband", "internet", "airlines", "cruise", "cruises",
    "rental", "rentals", "car", "cars", "auto", "shop", "shops", "outlet", "express",
    "post", "parcel", "courier", "delivery", "logistics", "foods", "fitness", "gym",
    "petroleum", "oil", "fuel", "fuels", "gas", "petrol",
}


def classify_alias(a, lex):
    """(case_sensitive, weak) for one alias."""
    words = a.split()
    letters = re.sub(r"[^A-Za-z0-9]", "", a)
    if len(words) == 1:
        acronym = len(letters) <= 4 and "&" not in a and (
            a.isupper() or sum(c.isupper() for c in a) >= 2)
        if acronym:
            # "CAT", "TANK", "STAR" in capitals are still often the word.
            return True, lex.ordinary[letters.lower()] >= 5
        ordinary = lex.is_ordinary(a) or norm(a) in GENERIC_WEAK
        name = lex.is_common_name(a)
        place = lex.is_place(a)
        cs = ordinary or len(letters) <= 3  # "Kia", "Vue": three letters match in their case
        weak = ordinary or name or place
        return cs, weak
    # Several words: case-sensitive when the lower-case phrase is ordinary English (it occurs
    # in the treebank in lower case and every word is a frequent ordinary word: "Best Buy",
    # "At Home", "The Range"); weak only when the whole name is a place.
    toks = norm(a).split()
    stop = {"of", "the", "and", "in", "a", "an", "for", "on", "at", "to", "by", "de"}
    content = [t for t in toks if t not in stop]
    lower = " ".join(w.lower() for w in words)
    cs = (bool(content) and len(words) <= 4 and not (set(content) & INDUSTRY_WORDS)
          and lower in lex.phrases and all(lex.ordinary[t] >= 5 for t in content))
    weak = lex.is_place(a)
    return cs, weak


# Sources that make an entry prominent: the S&P 500 constituents, and the consumer brands
# chosen by hand from Simple Icons.
PROMINENT_SOURCES = {"sp500-companies", "simple-icons-brands"}


def is_prominent(e):
    """A company known well beyond its region: an S&P 500 or hand-picked Simple Icons brand, or
    one with a Wikidata id, a Twitter account and a web site that two sources agree on."""
    if e.sources & PROMINENT_SOURCES:
        return True
    return bool(e.qids) and bool(e.handles) and bool(e.domains) and len(e.sources) >= 2


def lower_word(w):
    return strip_accents(w).lower().replace("’", "'")


def alias_flags(a, e, lex):
    """(case_sensitive, weak) of alias `a` of entry `e`: classify_alias() and, on top, the
    stricter rules (an alias is never made less weak or less case-sensitive by them).

    One token:
      1. up to 3 letters or digits ("IP", "PSO", "DGX", "O2", "BJ's"; not "AT&T", "H&M",
         where an ampersand or plus joins them): weak and case-sensitive, for every entry;
      2. a US census first name or surname of any frequency, also with 's or a bare -s
         ("Paul", "Smith's", "Andys", "Palmers"): weak unless the entry is prominent;
      3. a city, state/region or country of any size anywhere ("Zurich"): weak unless prominent;
      4. an English word (Lexicon.is_english_word: "Wash", "Pods", "Craftsman"): weak and
         case-sensitive; for a prominent entry only when the word and its regular forms
         (english_forms: "craftsman", "craft", "crafts" ...) occur 5+ times in all in lower
         case in EWT.
    Several tokens: weak and case-sensitive when every token is one of the 500 most frequent
    lower-case EWT words ("The Store", "Good Food"), unless the entry is prominent.
    """
    cs, weak = classify_alias(a, lex)
    prom = is_prominent(e)
    words = a.split()
    if len(words) == 1:
        alnum = [c for c in a if c.isalnum()]
        if len(alnum) <= 3 and not re.search(r"\w[&+]\w", a):
            return True, True
        if lex.is_english_word(a):
            if not prom or lex.english_frequency(a) >= 5:
                cs, weak = True, True
        if not prom and (lex.is_any_name(a) or lex.is_any_place(a)):
            weak = True
    else:
        toks = [lower_word(w) for w in words]
        if not prom and all(t in lex.top500 for t in toks):
            cs, weak = True, True
    return cs, weak


def generic_word(a, e, lex):
    """One token that is among the 2,000 most frequent lower-case EWT words ("Home", "Office",
    "House", "Next", "Three"): a generic word, never an alias. Not an acronym written in
    capitals ("LOT", "VIA", "MAN": the word in capitals is the brand's own spelling; these are
    case-sensitive and weak), and not the name of a prominent entry ("Visa": weak and
    case-sensitive instead)."""
    if len(a.split()) != 1 or lower_word(a) not in lex.top2000:
        return False
    if sum(c.isalpha() for c in a) >= 2 and a.isupper():
        return False
    return not is_prominent(e)


STATS = {"dropped_aliases": [], "dropped_entries": [], "weak_only_dropped": []}


def ascii_lower(s):
    return "".join(c.lower() if c.isascii() else c for c in s)


PUBLIC_BODY_NAME = re.compile(
    r"(?i)^(city|town|village|county|borough|municipality|state|province|government|"
    r"district|commonwealth|department|ministry|parish|shire) of\b|\bcouncil\b|"
    r"\bdepartment\b|\bministry\b|\bimprovement district\b|\bboard of\b|"
    r"\bmunicipal(ity)?\b|\buniversity\b|\bcollege\b|\bschool\b|\bhospital\b|"
    r"\bchurch\b|\bcharity\b|\bfoundation\b|\bpolice\b")


def weak_only(e, lex):
    """An entry that can only be found by an ambiguous word, with nothing to confirm it (no
    handle, web site, second source or Wikidata item of a chain in our countries): a regional
    chain called "Delta" does more harm than good."""
    if e.hand_id or e.handles or e.domains or len(e.sources) >= 2:
        return False
    if "simple-icons-brands" in e.sources or "curated" in e.sources:
        return False  # chosen by hand from Simple Icons: a known consumer brand
    if e.qids and e.has_cache:
        return False
    return all(classify_alias(a, lex)[1] for a in e.aliases)


def keep_entry(e, recs):
    """False for things that are not consumer-facing companies."""
    n = norm(e.name)
    if n in CHANNEL_NAMES or not e.name:
        return False
    if PUBLIC_BODY_NAME.search(e.name) and not e.hand_id:
        return False
    d = e.desc or ""
    if NON_COMPANY_DESC.search(d):
        return False
    if GOV_DESC.search(d) and e.category not in ("carrier", "transit", "rail", "utility"):
        return False
    if e.defunct and not e.hand_id and not (e.is_airline and e.handles):
        return False
    return True


def domain_labels(domains):
    """The distinctive labels of web domains: 'about.google' -> {'about', 'google'}."""
    out = set()
    for d in domains:
        for lab in d.split("."):
            if lab not in CC_SECOND_LEVEL and len(lab) > 2 and lab not in ("www", "com", "net",
                                                                            "org", "info", "biz"):
                out.add(lab)
    return out


HAND_NAME_SUFFIXES = LEGAL_SUFFIXES | {"financial", "services", "international", "worldwide"}


def link_hand(entries, hand, lex):
    """Entry index -> hand-file id, for the same company: a Twitter handle in common, a web
    domain in common that is the entry's own name, or the same (unambiguous) name."""
    hinfo = []
    for h in hand:
        hn = h.get("name", "")
        hinfo.append({
            "id": h["id"],
            "name": norm_core(hn),
            # "Discover Financial" is also "Discover"
            "name2": norm_core(hn, HAND_NAME_SUFFIXES),
            "names": {norm_core(a) for a in h.get("aliases", [])} | {norm_core(hn)} |
                     {norm_core(hn, HAND_NAME_SUFFIXES)},
            "handles": {x.lower() for x in h.get("handles", [])},
            "domains": {x.lower() for x in h.get("domains", [])},
            # names the hand file itself marks as ordinary words ("Osprey", "Delta")
            "cs": {norm_core(a) for a in h.get("case_sensitive", [])},
        })
    by_key = collections.defaultdict(set)
    for j, h in enumerate(hinfo):
        for k in h["names"]:
            by_key[("n", k)].add(j)
        for x in h["handles"]:
            by_key[("h", x)].add(j)
        for x in h["domains"]:
            by_key[("d", x)].add(j)
    links = {}
    cands = []
    for i, e in enumerate(entries):
        scores = collections.Counter()
        hard = set()
        eh = {x.lower() for x in e.handles}
        ed = set(e.domains)
        en = norm_core(e.name)
        en_weak = classify_alias(e.name, lex)[1]
        # "T-Mobile US" (in the US) is the hand file's "T-Mobile": a trailing word naming a
        # country the entry is in does not make another company.
        ens = [en]
        m = re.fullmatch(r"(.+) (us|usa|uk)", en)
        if m and {"us": "us", "usa": "us", "uk": "gb"}[m.group(2)] in e.countries:
            ens.append(m.group(1))
        for x in eh:
            for j in by_key.get(("h", x), ()):
                scores[j] += 3
                hard.add(j)
        for x in ed:
            label = squash(x.split(".")[0])
            own = label and (label == squash(e.name) or label in {k.replace(" ", "") for k in e.primary_keys})
            for j in by_key.get(("d", x), ()):
                if own or en in hinfo[j]["names"]:
                    scores[j] += 3
                    hard.add(j)
        named = set()
        for k in ens:
            for j in by_key.get(("n", k), ()):
                if j in named:
                    continue
                named.add(j)
                if k in (hinfo[j]["name"], hinfo[j]["name2"]):
                    scores[j] += 2
                elif not en_weak and k not in hinfo[j]["cs"]:
                    scores[j] += 1
        for a in e.aliases:
            k = norm_core(a)
            if k == en or classify_alias(a, lex)[1]:
                continue  # an ambiguous word is no evidence
            for j in by_key.get(("n", k), ()):
                scores[j] += 1
        best = None
        for j, sc in sorted(scores.items()):
            if sc <= 0:
                continue
            kind = 2 if j in hard else (1 if any(k in hinfo[j]["names"] for k in ens) else 0)
            key = (kind, sc)
            if best is None or key > best[0]:
                best = (key, j)
        if best is not None:
            cands.append((hinfo[best[1]]["id"], best[0][0], best[0][1], i))
    # Per hand entry: every entry linked by handle or domain; one linked by name only if its
    # web site does not contradict those (Target Australia is not Target), or, when nothing
    # is linked by handle or domain, the best one.
    # kind 2: a handle or the entry's own domain in common; kind 1: the entry's name is a
    # name of the hand entry; kind 0: only another of its names is.
    hand_domains = {h["id"]: {x.lower() for x in h.get("domains", [])} for h in hand}
    by_h = collections.defaultdict(list)
    for hid, kind, sc, i in cands:
        by_h[hid].append((kind, sc, i))
    for hid in sorted(by_h):
        hd = hand_domains.get(hid, set())

        def site_ok(i):
            # no web site, or one that names the same thing as the hand entry's (about.google
            # ~ google.com; pandoragroup.com is not pandora.com)
            ed = entries[i].domains
            if not ed or not hd:
                return True
            return bool(domain_labels(ed) & domain_labels(hd))

        lst = [t for t in by_h[hid] if t[0] == 2 or site_ok(t[2])]
        if not lst:
            continue
        lst = sorted(lst, key=lambda t: (-t[0], -t[1], -entries[t[2]].weight, t[2]))
        top = lst[0][0]
        if top == 0:
            links[lst[0][2]] = hid  # nothing better: the best entry sharing a name
            continue
        firm = [i for kind, _, i in lst if kind == 2] or [lst[0][2]]
        fd = {d for i in firm for d in entries[i].domains}
        for i in firm:
            links[i] = hid
        for kind, sc, i in lst:
            if kind != 1 or i in firm:
                continue
            e = entries[i]
            # Same name: one company, unless its web site differs from the ones linked by
            # handle or domain (Target Australia is not Target, Pandora jewellery is not
            # Pandora radio).
            if not e.domains or not fd or set(e.domains) & fd:
                links[i] = hid
    return links


COMPANY_DESC = re.compile(
    r"(?i)\b(company|corporation|brand|chain|retailer|bank|airline|operator|provider|maker|"
    r"manufacturer|service|services|store|stores|restaurant|network|carrier|insurer|insurance|"
    r"multinational|subsidiary|business|firm|conglomerate|platform|website|app|utility|"
    r"telecommunications|telecom|supermarket|hotel|franchise|developer|publisher|studio|"
    r"streaming|marketplace|e-commerce|lender|credit)\b")


def enrich_from_cache(entries, wd, lex):
    """Entries without a Wikidata item of their own (S&P, Simple Icons) take the item of
    NSI's Wikidata cache that has exactly their name, when no other entry has that item or
    name: its id, web site and Twitter account (e.g. Microsoft, Lyft)."""
    used = {q for e in entries for q in e.qids}
    by_name = collections.defaultdict(list)
    for q in sorted(wd):
        if q in used:
            continue
        info = wd[q]
        lab = info.get("label") or ""
        desc = info.get("description") or ""
        if not lab or not COMPANY_DESC.search(desc) or NON_COMPANY_DESC.search(desc):
            continue
        if info.get("dissolutions"):
            continue
        by_name[norm_core(lab)].append(q)
    names = collections.Counter(norm_core(e.name) for e in entries)
    for e in entries:
        if e.qids and e.handles:
            continue
        k = norm_core(e.name)
        qs = by_name.get(k, [])
        if len(qs) != 1 or names[k] != 1:
            continue
        if classify_alias(e.name, lex)[1] and len(e.name.split()) == 1 and not e.domains:
            continue  # an ordinary word with nothing else to confirm it
        info = wd[qs[0]]
        ids = info.get("identities", {})
        dom = registrable_domain(ids.get("website"))
        if e.domains and dom and dom not in e.domains:
            continue  # a different company of the same name
        if e.qids and registrable_domain(ids.get("website")) not in e.domains:
            continue  # an entry with its own item takes another only with the same web site
        e.qids.append(qs[0])
        e.sources.add("nsi-name-suggestion-index")
        if dom and not is_hosting(dom) and dom not in e.domains:
            e.domains.append(dom)
        h = valid_handle(ids.get("twitter"))
        if h and h.lower() not in {x.lower() for x in e.handles}:
            e.handles.append(h)
        if not e.desc:
            e.desc = info.get("description") or ""


OWNER_QUALIFIERS = {"us", "u", "s", "uk", "american", "british", "canadian", "australian",
                    "german", "french", "japanese", "swiss", "dutch", "swedish", "chinese", "korean",
                    "indian", "irish", "italian", "spanish", "the", "based", "multinational"}


def resolve_owner_name(x, name_index, lex):
    """The entry id a company name in a description or tag denotes, if exactly one."""
    x = clean_space(x).strip(" .,;")
    x = re.sub(r"(?i)^[\w.]+-based\s+", "", x)
    k = norm_core(x)
    cands = [k, norm_core(x, OWNER_SUFFIXES)]
    w = k.split()
    # Drop nationality words in front ("U.S. General Motors") ...
    i = 0
    while i < len(w) - 1 and w[i] in OWNER_QUALIFIERS:
        i += 1
        cands.append(" ".join(w[i:]))
    # ... and trailing words, down to two ("Marriott International Inc" -> "Marriott
    # International").
    for n in range(len(w) - 1, 1, -1):
        cands.append(" ".join(w[:n]))
    for c in cands:
        if c and c in name_index and len(name_index[c]) == 1:
            return next(iter(name_index[c]))
    return None


def finalize(lex, wd, recs, doms, groups, hand):
    entries = [make_entry(m, recs, doms, lex) for m in groups]
    for e in entries:
        collect_aliases(e, recs, lex)
    # Link to the hand-made file's ids and merge entries that are the same company there.
    links = link_hand(entries, hand, lex)
    by_hand = collections.defaultdict(list)
    for i, hid in sorted(links.items()):
        by_hand[hid].append(i)
    merged = []
    used = set()
    for hid in sorted(by_hand):
        idx = by_hand[hid]
        mem = sorted(set(m for i in idx for m in entries[i].members))
        e = make_entry(mem, recs, doms, lex)
        collect_aliases(e, recs, lex)
        e.hand_id = hid
        merged.append(e)
        used |= set(idx)
    for i, e in enumerate(entries):
        if i not in used:
            merged.append(e)
    entries = [e for e in merged if (e.hand_id or not e.join_only) and keep_entry(e, recs)]
    enrich_from_cache(entries, wd, lex)
    # An entry that can only be found by an ambiguous word, with no handle or web site to
    # confirm it (a regional chain called "Delta"), does more harm than good.
    STATS["weak_only_dropped"] += [e.name for e in entries if weak_only(e, lex)]
    entries = [e for e in entries if not weak_only(e, lex)]
    # Global uniqueness of aliases, handles and domains: each goes to one entry.
    def rank(e, key, kind):
        nm = squash(e.name)
        if kind == "alias":
            own = norm_core(key) == norm_core(e.name) or squash(key) == nm
            prim = norm_core(key) in e.primary_keys
        else:
            label = squash(key.split(".")[0] if kind == "domain" else key)
            own = bool(nm) and (nm == label or (len(nm) >= 4 and nm in label))
            prim = bool(label) and len(label) >= 4 and label in nm
        return (1 if own else 0, 1 if prim else 0, 1 if e.hand_id else 0,
                1 if e.countries & {"us", "gb"} else 0, round(e.weight, 3), e.name)

    # The hand file's display name of a company that it deliberately leaves out of the
    # company's aliases ("Pandora": "bare Pandora is also the jewellery brand") is not one of
    # that company's names here either.
    disclaimed = {}
    for h in hand:
        if h.get("aliases") and norm_core(h.get("name", "")) not in {norm_core(a) for a in h["aliases"]}:
            disclaimed[h["id"]] = norm_core(h.get("name", ""))
    for e in entries:
        if e.hand_id in disclaimed:
            e.aliases = [a for a in e.aliases if norm_core(a) != disclaimed[e.hand_id]]
    hand_names = {h["id"]: {norm_core(a) for a in h.get("aliases", [])}
                  | {x.lower() for x in h.get("handles", [])} | {x.lower() for x in h.get("domains", [])}
                  for h in hand}

    def winner(owners, key, kinds):
        k = key.lstrip("@")
        nk = norm_core(k)
        said = [ei for ei in owners if entries[ei].hand_id and
                (nk in hand_names.get(entries[ei].hand_id, ()) or k in hand_names.get(entries[ei].hand_id, ()))]
        if len(said) == 1:
            return said[0]
        pool = said or owners
        best = max(pool, key=lambda ei: rank(entries[ei], k, kinds[ei]))
        # A much more important entry takes a name from a minor one ("United": the airline,
        # not an Australian petrol chain).
        heavy = max(pool, key=lambda ei: (entries[ei].weight, -ei))
        if entries[heavy].weight >= 3 * entries[best].weight:
            return heavy
        return best

    # A short acronym that is not an entry's own name but spells a more important company's
    # initials is that company's ("BoA" is Bank of America before Boliviana de Aviación).
    initials = collections.defaultdict(list)
    for ei, e in enumerate(entries):
        ws = norm(e.name).split()
        if len(ws) >= 2:
            initials["".join(w[0] for w in ws)].append(ei)
    for ei, e in enumerate(entries):
        keep = []
        for a in e.aliases:
            letters = re.sub(r"[^A-Za-z]", "", a)
            if 2 <= len(letters) <= 4 and norm_core(a) != norm_core(e.name) and \
                    any(entries[o].weight > e.weight for o in initials.get(letters.lower(), ())
                        if o != ei):
                continue
            keep.append(a)
        e.aliases = keep
    claims = collections.defaultdict(list)
    for ei, e in enumerate(entries):
        for a in e.aliases:
            claims[("k", ascii_lower(a))].append((ei, "alias", a))
        for h in e.handles:
            claims[("k", "@" + ascii_lower(h))].append((ei, "handle", h))
        for d in e.domains:
            claims[("k", ascii_lower(d))].append((ei, "domain", d))
    lose = collections.defaultdict(set)
    for key in sorted(claims):
        cl = claims[key]
        owners = sorted({ei for ei, _, _ in cl})
        if len(owners) < 2:
            continue
        kinds = {ei: [k for j, k, _ in cl if j == ei][0] for ei in owners}
        win = winner(owners, key[1], kinds)
        for ei, kind, val in cl:
            if ei != win:
                lose[ei].add((kind, val))
    for ei, gone in lose.items():
        e = entries[ei]
        e.aliases = [a for a in e.aliases if ("alias", a) not in gone]
        e.handles = [h for h in e.handles if ("handle", h) not in gone]
        e.domains = [d for d in e.domains if ("domain", d) not in gone]
    # A name, handle or domain that the hand-made file gives to one of its companies is not
    # also given to another entry here (the two files are loaded together).
    hand_owner = {}
    for h in hand:
        for a in h.get("aliases", []):
            hand_owner.setdefault(ascii_lower(a), h["id"])
        for x in h.get("handles", []):
            hand_owner.setdefault("@" + ascii_lower(x), h["id"])
        for x in h.get("domains", []):
            hand_owner.setdefault(ascii_lower(x), h["id"])
    removed = 0
    for e in entries:
        keep_a = [a for a in e.aliases if hand_owner.get(ascii_lower(a), e.hand_id) == e.hand_id]
        keep_h = [x for x in e.handles if hand_owner.get("@" + ascii_lower(x), e.hand_id) == e.hand_id]
        keep_d = [x for x in e.domains if hand_owner.get(ascii_lower(x), e.hand_id) == e.hand_id]
        removed += len(e.aliases) - len(keep_a) + len(e.handles) - len(keep_h) + len(e.domains) - len(keep_d)
        e.aliases, e.handles, e.domains = keep_a, keep_h, keep_d
    STATS["hand_removed"] = removed
    # Generic words are never aliases ("Home" of Home Timber & Hardware, "Office", "Next").
    for e in entries:
        gone = [a for a in e.aliases if generic_word(a, e, lex)]
        if gone:
            STATS["dropped_aliases"] += [(e.name, a) for a in gone]
            e.aliases = [a for a in e.aliases if not generic_word(a, e, lex)]
            if not e.aliases:
                STATS["dropped_entries"].append(e.name)
    entries = [e for e in entries if e.aliases]
    STATS["weak_only_dropped"] += [e.name for e in entries if weak_only(e, lex)]
    entries = [e for e in entries if not weak_only(e, lex)]
    # Ids.
    hand_ids = {h["id"] for h in hand}
    taken = set()
    for e in entries:
        if e.hand_id:
            e.id = e.hand_id
            taken.add(e.id)
    order = sorted([e for e in entries if not e.hand_id],
                   key=lambda e: (-round(e.weight, 3), e.name, e.members[0]))
    for e in order:
        base = make_id(e.name)
        cand = base
        if cand in taken or cand in hand_ids:
            tc = sorted(e.countries & TARGET_SET)
            cand = base + "_" + (tc[0] if len(tc) == 1 else e.category)
        k = 2
        while cand in taken or cand in hand_ids:
            cand = "%s_%d" % (base, k)
            k += 1
        e.id = cand
        taken.add(cand)
    # Owners and parents.
    by_qid = {}
    for e in entries:
        for q in e.qids:
            by_qid.setdefault(q, e)
    name_index = collections.defaultdict(set)
    for e in entries:
        name_index[norm_core(e.name)].add(e.id)
        for a in e.aliases:
            if not classify_alias(a, lex)[1] or a == e.name:
                name_index[norm_core(a)].add(e.id)
    by_id = {e.id: e for e in entries}
    for h in hand:
        if h["id"] in by_id:
            for a in h.get("aliases", []) + [h.get("name", "")]:
                if not classify_alias(a, lex)[1]:
                    name_index[norm_core(a)].add(h["id"])
    for e in entries:
        owner = None
        for q in e.owner_qids:
            o = by_qid.get(q)
            if o is None and q in wd and wd[q].get("label"):
                oid = resolve_owner_name(wd[q]["label"], name_index, lex)
                o = by_id.get(oid) if oid else None
            if o is not None and o is not e:
                owner = o
                break
        if owner is None and e.desc:
            for m in OWNER_DESC.finditer(e.desc):
                oid = resolve_owner_name(m.group(1), name_index, lex)
                if oid and oid != e.id:
                    owner = by_id[oid]
                    break
        if owner is None:
            for on in e.owner_names:
                oid = resolve_owner_name(on, name_index, lex)
                if oid and oid != e.id and norm_core(on) == norm_core(by_id[oid].name):
                    owner = by_id[oid]
                    break
        if owner is not None:
            e.owner = owner.id
    for e in entries:
        if e.owner and by_id[e.owner].owner == e.id:
            # a cycle: keep the link from the lighter entry only
            if e.weight > by_id[e.owner].weight:
                e.owner = None
    for e in entries:
        if e.owner and e.category == "car_maker" and by_id[e.owner].category == "car_maker":
            e.parent = e.owner
    # Parents must not form cycles.
    for e in entries:
        seen = {e.id}
        cur = e
        while cur.parent:
            if cur.parent in seen:
                e.parent = None
                break
            seen.add(cur.parent)
            cur = by_id[cur.parent]
    # Wikidata descriptions sharpen a few categories the source files cannot tell apart.
    for e in entries:
        d = e.desc or ""
        for cats, rx, new in DESC_CATEGORY:
            if e.category in cats and rx.search(d):
                e.category = new
                break
        if e.id in CATEGORY_OVERRIDES:
            e.category = CATEGORY_OVERRIDES[e.id]
    return entries


def entry_json(e, lex, wd):
    cs, weak = [], []
    for a in e.aliases:
        c, w = alias_flags(a, e, lex)
        if c:
            cs.append(a)
        if w:
            weak.append(a)
    qid = None
    for q in e.qids:
        if q in wd and norm_core(wd[q].get("label") or "") == norm_core(e.name):
            qid = q
            break
    if qid is None and e.qids:
        qid = e.qids[0]
    return {
        "id": e.id,
        "name": e.name,
        "aliases": e.aliases,
        "case_sensitive": cs,
        "weak": weak,
        "handles": e.handles,
        "domains": e.domains,
        "parent": e.parent,
        "owner": e.owner,
        "category": e.category,
        "wikidata": qid,
        "sources": sorted(e.sources),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpora", required=True, help="the shared corpora folder")
    ap.add_argument("--out", required=True, help="output JSONL file")
    ap.add_argument("--hand", default=None,
                    help="hand-made gazetteer whose ids are kept (default: "
                         "tools/gazetteer/stable_ids.toml beside this tool)")
    args = ap.parse_args(argv)
    hand_path = args.hand or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                          "src", "tag", "rules", "companies.toml")
    # Without the hand-made file every id, name and handle it decides would silently change
    # (delta -> delta_air_lines ...): stop instead.
    if not os.path.isfile(hand_path):
        sys.exit("build.py: hand-made gazetteer %s not found; pass --hand with a copy of it "
                 "(e.g. git show 71f4422:tools/gazetteer/stable_ids.toml > /tmp/companies.toml)"
                 % hand_path)
    if tomllib is None:
        sys.exit("build.py: Python 3.11 or later is needed (tomllib) to read %s" % hand_path)
    hand = load_hand(hand_path)
    lex, wd, recs, doms, groups = build(args.corpora, hand_path)
    entries = finalize(lex, wd, recs, doms, groups, hand)
    rows = sorted((entry_json(e, lex, wd) for e in entries), key=lambda r: r["id"])
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate ids"
    tmp = args.out + ".tmp"
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False, separators=(", ", ": ")) + "\n")
    os.replace(tmp, args.out)
    # Counts.
    log("companies: %d" % len(rows))
    log("per category:")
    cc = collections.Counter(r["category"] for r in rows)
    for c in CATEGORIES:
        log("  %-16s %5d" % (c, cc.get(c, 0)))
    log("per source (entries with a contribution from it):")
    sc = collections.Counter(s for r in rows for s in r["sources"])
    for s, n in sorted(sc.items()):
        log("  %-28s %5d" % (s, n))
    log("with handles: %d, with domains: %d, with parent: %d, with owner: %d, hand-file ids: %d"
        % (sum(1 for r in rows if r["handles"]), sum(1 for r in rows if r["domains"]),
           sum(1 for r in rows if r["parent"]), sum(1 for r in rows if r["owner"]),
           sum(1 for e in entries if e.hand_id)))
    log("names, handles and domains left to the hand-made file's companies: %d"
        % STATS.get("hand_removed", 0))
    log("generic words dropped as aliases: %d (%s); entries left without a name: %d (%s)" % (
        len(STATS["dropped_aliases"]),
        ", ".join("%s of %s" % (a, n) for n, a in STATS["dropped_aliases"]),
        len(STATS["dropped_entries"]), ", ".join(STATS["dropped_entries"])))
    log("entries with only weak names and nothing to confirm them, left out: %d"
        % len(STATS["weak_only_dropped"]))
    log("entries with a weak alias: %d, with a case-sensitive alias: %d, with only weak aliases: %d"
        % (sum(1 for r in rows if r["weak"]), sum(1 for r in rows if r["case_sensitive"]),
           sum(1 for r in rows if set(r["aliases"]) <= set(r["weak"]))))
    log("aliases: %d (case-sensitive %d, weak %d)" % (
        sum(len(r["aliases"]) for r in rows), sum(len(r["case_sensitive"]) for r in rows),
        sum(len(r["weak"]) for r in rows)))


if __name__ == "__main__":
    main()
