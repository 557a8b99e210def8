#!/usr/bin/env python3
"""Build replyscope's general company gazetteer from openly licensed lists.

Usage:
    python3 tools/gazetteer/build.py --corpora ../shared/corpora --out src/tag/data/companies.jsonl

Reads (never writes) the folders under CORPORA/companies-open/ (NSI, OpenFlights, OpenTravelData,
S&P 500, Simple Icons, MCC-MNC), CORPORA/names-places/ (US census names, world cities) and
CORPORA/ud-english-ewt/ (word frequencies), plus the hand-made gazetteer
src/tag/rules/companies.toml (only to keep its ids). Writes one JSON object per company, sorted by
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
    "office/employment_agency": "other_consumer",
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
               "Hasbro": "other_consumer", "Kraft Heinz": "other_consumer"}

# Simple Icons is mostly developer tooling. Only these titles (consumer-facing companies and
# services) are taken, each with its category. Titles that are also in another source just add
# aliases there. Social platforms, review sites and news outlets are deliberately absent.
SIMPLE_ICONS_KEEP = {
    # airlines
    "Aeroflot": "airline", "Aeroméxico": "airline", "Air Canada": "airline", "Air China": "airline",
    "Air France": "airline", "Air India": "airline", "Air Serbia": "airline",
    "Air Transat": "airline", "AirAsia": "airline", "Akasa Air": "airline",
    "American Airlines": "airline", "ANA": "airline", "avianca": "airline",
    "British Airways": "airline", "China Eastern Airlines": "airline",
    "China Southern Airlines": "airline", "Copa Airlines": "airline", "Delta": "airline",
    "easyJet": "airline", "Emirates": "airline", "Ethiopian Airlines": "airline",
    "Etihad Airways": "airline", "Iberia": "airline", "IndiGo": "airline",
    "Japan Airlines": "airline", "JetBlue": "airline", "KLM": "airline", "Lion Air": "airline",
    "LOT Polish Airlines": "airline", "Lufthansa": "airline", "Norwegian": "airline",
    "Pegasus Airlines": "airline", "Qantas": "airline", "Qatar Airways": "airline",
    "Ryanair": "airline", "S7 Airlines": "airline", "Saudia": "airline",
    "Silver Airways": "airline", "Singapore Airlines": "airline",
    "Southwest Airlines": "airline", "TAROM": "airline", "Turkish Airlines": "airline",
    "United Airlines": "airline", "Virgin Atlantic": "airline", "Wizz Air": "airline",
    # banks, cards, payments, lenders, insurers
    "AIB": "bank", "American Express": "card_issuer", "Axis Bank": "bank",
    "Bank of America": "bank", "Barclays": "bank", "bunq": "bank", "CaixaBank": "bank",
    "Chase": "bank", "Commerzbank": "bank", "Deutsche Bank": "bank", "Diners Club": "card_issuer",
    "Discover": "card_issuer", "Goldman Sachs": "bank", "HDFC Bank": "bank", "HSBC": "bank",
    "ICICI Bank": "bank", "JCB": "card_issuer", "MasterCard": "card_issuer", "Monzo": "bank",
    "N26": "bank", "Nubank": "bank", "Revolut": "bank", "Robinhood": "bank",
    "Starling Bank": "bank", "Visa": "card_issuer", "Wells Fargo": "bank",
    "Western Union": "bank", "MoneyGram": "bank", "Wise": "bank", "Afterpay": "lender",
    "Klarna": "lender", "Zilch": "lender", "Cash App": "software_web", "Venmo": "software_web",
    "Zelle": "bank", "PayPal": "software_web", "Google Pay": "software_web",
    "Apple Pay": "software_web", "Samsung Pay": "software_web", "Paytm": "software_web",
    "PhonePe": "software_web", "Coinbase": "software_web", "Binance": "software_web",
    "Square": "software_web", "Stripe": "software_web", "Payoneer": "software_web",
    "Zerodha": "bank", "Razorpay": "software_web", "QuickBooks": "software_web",
    "Intuit": "software_web", "Xero": "software_web", "MYOB": "software_web",
    # telecoms and cable
    "AT&T": "telecom", "BT": "telecom", "Deutsche Telekom": "telecom", "Jio": "telecom",
    "Airtel": "telecom", "O2": "telecom", "Orange": "telecom", "Spectrum": "cable",
    "Sky": "cable", "Telefónica": "telecom", "Telenor": "telecom", "Verizon": "telecom",
    "Virgin Media": "cable", "Vodafone": "telecom", "Movistar": "telecom", "Ziggo": "cable",
    "Foxtel": "cable", "Vivint": "other_consumer", "Odido": "telecom",
    # carriers
    "DHL": "carrier", "DPD": "carrier", "FedEx": "carrier", "UPS": "carrier", "USPS": "carrier",
    "Deutsche Post": "carrier", "Toll": "carrier", "AfterShip": "software_web",
    # retailers, supermarkets
    "Adidas": "retailer", "AliExpress": "retailer", "Alibaba.com": "retailer",
    "Aldi Nord": "supermarket", "Aldi Süd": "supermarket", "Argos": "retailer",
    "ASDA": "supermarket", "Auchan": "supermarket", "AutoZone": "retailer", "Boots": "retailer",
    "Burton": "retailer", "Carrefour": "supermarket", "Co-op": "supermarket", "Coppel": "retailer",
    "Costco": "retailer", "Custom Ink": "retailer", "Darty": "retailer", "dm": "retailer",
    "eBay": "retailer", "EDEKA": "supermarket", "Etsy": "retailer", "Express": "retailer",
    "FARFETCH": "retailer", "Fnac": "retailer", "Gumtree": "retailer", "H&M": "retailer",
    "Iceland": "supermarket", "IKEA": "retailer", "Kaufland": "supermarket", "Lidl": "supermarket",
    "Macy's": "retailer", "MediaMarkt": "retailer", "Monoprix": "supermarket",
    "Morrisons": "supermarket", "Müller": "retailer", "New Balance": "retailer",
    "Newegg": "retailer", "Nike": "retailer", "Otto": "retailer", "Pets at Home": "retailer",
    "Puma": "retailer", "Rakuten": "retailer", "Redbubble": "retailer", "Reebok": "retailer",
    "REWE": "supermarket", "Rossmann": "retailer", "Sam's Club": "retailer", "Shopee": "retailer",
    "StockX": "retailer", "Target": "retailer", "Tesco": "supermarket", "The North Face": "retailer",
    "Under Armour": "retailer", "Uniqlo": "retailer", "Vinted": "retailer", "Wish": "retailer",
    "Zalando": "retailer", "Zara": "retailer", "Instacart": "software_web",
    "bigbasket": "supermarket", "Flipkart": "retailer", "Best Buy": "retailer",
    "Leroy Merlin": "retailer", "Castorama": "retailer", "Intermarche": "supermarket",
    "E.Leclerc": "supermarket", "Netto": "supermarket", "Penny": "supermarket",
    "Picnic": "supermarket", "Żabka": "supermarket", "Albert Heijn": "supermarket",
    "Chedraui": "supermarket", "Soriana": "supermarket", "Continente": "supermarket",
    "Franprix": "supermarket", "Leader Price": "supermarket", "Magasins U": "supermarket",
    "Grand Frais": "supermarket", "Picard Surgelés": "supermarket", "Cultura": "retailer",
    "boulanger": "retailer", "Galaxus": "retailer", "Allegro": "retailer", "Blibli": "retailer",
    "Bukalapak": "retailer", "Taobao": "retailer", "Veepee": "retailer", "Society6": "retailer",
    "Threadless": "retailer", "Zazzle": "retailer", "CafePress": "retailer",
    "TeePublic": "retailer", "Spreadshirt": "retailer", "Cardmarket": "retailer",
    "Anta": "retailer", "Li-Ning": "retailer", "Fila": "retailer", "Helly Hansen": "retailer",
    "Bata": "retailer", "Dior": "retailer", "Jordan": "retailer",
    # restaurants and food delivery
    "Burger King": "restaurant", "Hungry Jack's": "restaurant", "KFC": "restaurant",
    "McDonald's": "restaurant", "Starbucks": "restaurant", "Taco Bell": "restaurant",
    "Deliveroo": "software_web", "DoorDash": "software_web", "Just Eat": "software_web",
    "Uber Eats": "software_web", "Postmates": "software_web", "Swiggy": "software_web",
    "Zomato": "software_web", "foodpanda": "software_web", "Glovo": "software_web",
    "iFood": "software_web", "HelloFresh": "software_web", "Dunzo": "software_web",
    "Grab": "software_web", "Gojek": "software_web", "Meituan": "software_web",
    # hotels and travel
    "Airbnb": "travel", "Booking.com": "travel", "Expedia": "travel", "Hilton": "hotel",
    "Hilton Hotels & Resorts": "hotel", "Hotels.com": "travel", "Marriott": "hotel",
    "OYO": "hotel", "Ritz Carlton": "hotel", "Trip.com": "travel", "trivago": "travel",
    "TUI": "travel", "Klook": "travel", "FareHarbor": "travel", "BookMyShow": "entertainment",
    "Ticketmaster": "entertainment", "StubHub": "entertainment", "SeatGeek": "entertainment",
    "Fandango": "entertainment",
    # rail and transit
    "Amtrak": "rail", "Deutsche Bahn": "rail", "National Rail": "rail", "SNCF": "rail",
    "Nederlandse Spoorwegen": "rail", "ÖBB": "rail", "Transport for London": "transit",
    "Transport for Ireland": "transit", "MTA": "transit", "MTR": "transit", "SMRT": "transit",
    "Île-de-France Mobilités": "transit", "BVG": "transit",
    "San Francisco Municipal Railway": "transit", "JR Group": "rail", "China Railway": "rail",
    "nextbike": "transit",
    # ride hailing, rentals
    "Uber": "software_web", "Lyft": "software_web", "Waze": "software_web",
    # car makers
    "Acura": "car_maker", "Aston Martin": "car_maker", "Audi": "car_maker", "Bentley": "car_maker",
    "BMW": "car_maker", "Bugatti": "car_maker", "Cadillac": "car_maker", "Chevrolet": "car_maker",
    "Chrysler": "car_maker", "Citroën": "car_maker", "Dacia": "car_maker",
    "DS Automobiles": "car_maker", "Ducati": "car_maker", "Ferrari": "car_maker",
    "Fiat": "car_maker", "Ford": "car_maker", "General Motors": "car_maker", "Honda": "car_maker",
    "Hyundai": "car_maker", "INFINITI": "car_maker", "Jeep": "car_maker", "Kia": "car_maker",
    "KTM": "car_maker", "LADA": "car_maker", "Lamborghini": "car_maker", "Mahindra": "car_maker",
    "Maserati": "car_maker", "Mazda": "car_maker", "McLaren": "car_maker", "MG": "car_maker",
    "Mitsubishi": "car_maker", "Nissan": "car_maker", "Opel": "car_maker",
    "Peugeot": "car_maker", "Polestar": "car_maker", "Porsche": "car_maker", "Ram": "car_maker",
    "Renault": "car_maker", "Rolls-Royce": "car_maker", "SEAT": "car_maker", "ŠKODA": "car_maker",
    "smart": "car_maker", "Subaru": "car_maker", "Suzuki": "car_maker", "Tesla": "car_maker",
    "Toyota": "car_maker", "Vauxhall": "car_maker", "Volkswagen": "car_maker",
    "Volvo": "car_maker", "OnStar": "car_maker",
    # consumer electronics and appliances
    "Acer": "other_consumer", "Alienware": "other_consumer", "Apple": "other_consumer",
    "Arlo": "other_consumer", "ASUS": "other_consumer", "Bose": "other_consumer",
    "Bosch": "other_consumer", "Canon": "other_consumer", "De'Longhi": "other_consumer",
    "Dell": "other_consumer", "Denon": "other_consumer", "DJI": "other_consumer",
    "Ecovacs": "other_consumer", "Epson": "other_consumer", "Fairphone": "other_consumer",
    "Fitbit": "other_consumer", "Fujifilm": "other_consumer", "Garmin": "other_consumer",
    "Google": "software_web", "HP": "other_consumer", "HTC": "other_consumer",
    "Huawei": "other_consumer", "Honor": "other_consumer", "iRobot": "other_consumer",
    "JBL": "other_consumer", "Kodak": "other_consumer", "Lenovo": "other_consumer",
    "LG": "other_consumer", "Logitech": "other_consumer", "Maytag": "other_consumer",
    "Meizu": "other_consumer", "Motorola": "other_consumer", "MSI": "other_consumer",
    "NETGEAR": "other_consumer", "Nikon": "other_consumer", "Nokia": "other_consumer",
    "OnePlus": "other_consumer", "OPPO": "other_consumer", "Panasonic": "other_consumer",
    "Peloton": "other_consumer", "Philips Hue": "other_consumer", "Razer": "other_consumer",
    "Ring": "other_consumer", "Roku": "other_consumer", "Samsung": "other_consumer",
    "Seagate": "other_consumer", "Sennheiser": "other_consumer", "Sonos": "other_consumer",
    "Sony": "other_consumer", "Tile": "other_consumer", "TomTom": "other_consumer",
    "Toshiba": "other_consumer", "TP-Link": "other_consumer", "vivo": "other_consumer",
    "Wacom": "other_consumer", "Wyze": "other_consumer", "Xiaomi": "other_consumer",
    "Yale": "other_consumer", "Kasa Smart": "other_consumer", "Linksys": "other_consumer",
    "Eight Sleep": "other_consumer", "Elgato": "other_consumer", "Corsair": "other_consumer",
    "Steelseries": "other_consumer", "Anycubic": "other_consumer", "Creality": "other_consumer",
    "Bambu Lab": "other_consumer", "Blackberry": "other_consumer", "Nintendo": "entertainment",
    "Microsoft": "software_web", "Intel": "other_consumer", "AMD": "other_consumer",
    "NVIDIA": "other_consumer", "Beats": "other_consumer", "Havells": "other_consumer",
    "boAt": "other_consumer", "Lego": "other_consumer", "Coca-Cola": "other_consumer",
    "Red Bull": "other_consumer", "Amul": "other_consumer", "Craftsman": "other_consumer",
    "Husqvarna": "other_consumer", "John Deere": "other_consumer", "Yamaha Motor Corporation": "car_maker",
    "Yamaha Corporation": "other_consumer",
    # software, web services and online platforms that customers deal with
    "1&1": "telecom", "1Password": "software_web", "Adobe": "software_web",
    "Alipay": "software_web", "Amazon": "retailer", "App Store": "software_web",
    "Apple Music": "entertainment", "Apple TV": "entertainment", "Audible": "entertainment",
    "Avast": "software_web", "Backblaze": "software_web", "Battle.net": "entertainment",
    "Bitdefender": "software_web", "Bitwarden": "software_web", "Blizzard": "entertainment",
    "Box": "software_web", "Calendly": "software_web", "Chess.com": "entertainment",
    "Coursera": "software_web", "Crunchyroll": "entertainment", "Dashlane": "software_web",
    "DAZN": "entertainment", "Deezer": "entertainment", "DigitalOcean": "software_web",
    "Dropbox": "software_web", "Duolingo": "software_web", "EA": "entertainment",
    "Epic Games": "entertainment", "ExpressVPN": "software_web", "Fiverr": "software_web",
    "Gmail": "software_web", "GoDaddy": "software_web", "GoFundMe": "software_web",
    "Google Drive": "software_web", "Google Play": "software_web", "Google Fi": "telecom",
    "Google Maps": "software_web", "Google Home": "other_consumer", "Groupon": "software_web",
    "HBO": "entertainment", "HBO Max": "entertainment", "Headspace": "software_web",
    "Hostinger": "software_web", "HomeAdvisor": "software_web", "Houzz": "software_web",
    "Hulu": "entertainment", "iCloud": "software_web", "iHeartRadio": "entertainment",
    "iTunes": "entertainment", "Ionos": "software_web", "Kaspersky": "software_web",
    "Kickstarter": "software_web", "Kindle": "other_consumer", "LastPass": "software_web",
    "Malwarebytes": "software_web", "McAfee": "software_web", "MEGA": "software_web",
    "MUBI": "entertainment", "Namecheap": "software_web", "Napster": "entertainment",
    "Netflix": "entertainment", "NordVPN": "software_web", "Norton": "software_web",
    "Opera": "software_web", "Pandora": "entertainment", "Paramount+": "entertainment",
    "Plex": "entertainment", "PlayStation": "entertainment", "Proton": "software_web",
    "Proton Mail": "software_web", "Private Internet Access": "software_web",
    "Quizlet": "software_web", "Roblox": "entertainment", "Rockstar Games": "entertainment",
    "Shopify": "software_web", "Showtime": "entertainment", "Skillshare": "software_web",
    "Sling": "entertainment", "SoundCloud": "entertainment", "Spotify": "entertainment",
    "Squarespace": "software_web", "STARZ": "entertainment", "Steam": "entertainment",
    "Surfshark": "software_web", "SurveyMonkey": "software_web", "TIDAL": "entertainment",
    "Tinder": "software_web", "Thumbtack": "software_web", "Tubi": "entertainment",
    "Udemy": "software_web", "Ubisoft": "entertainment", "Upwork": "software_web",
    "Vimeo": "software_web", "Wix": "software_web", "WP Engine": "software_web",
    "Xbox": "entertainment", "Yahoo": "software_web", "Zillow": "software_web",
    "Zoom": "software_web", "Nextdoor": "software_web", "Evernote": "software_web",
    "Grammarly": "software_web", "Canva": "software_web", "Notion": "software_web",
    "Trello": "software_web", "Slack": "software_web", "Skype": "software_web",
    "Webex": "software_web", "GoToMeeting": "software_web", "Mailchimp": "software_web",
    "MailChimp": "software_web", "Bluehost": "software_web", "Cloudflare": "software_web",
    "Outlook": "software_web", "Microsoft Outlook": "software_web", "Yandex": "software_web",
    "Baidu": "software_web", "DuckDuckGo": "software_web", "Ecosia": "software_web",
    "Firefox": "software_web", "Mozilla": "software_web", "Brave": "software_web",
    "Vivaldi": "software_web", "Google Chrome": "software_web", "Audiomack": "entertainment",
    "Bandcamp": "entertainment", "Beatport": "entertainment", "Last.fm": "entertainment",
    "Rakuten Kobo": "entertainment", "Goodreads": "software_web", "Scribd": "entertainment",
    "Storytel": "entertainment", "Wattpad": "software_web", "Peacock": "entertainment",
    "Disney+": "entertainment", "fuboTV": "entertainment", "Fubo": "entertainment",
    "YouTube TV": "entertainment", "Viaplay": "entertainment", "Stremio": "entertainment",
    "Activision": "entertainment", "Bungie": "entertainment", "Riot Games": "entertainment",
    "Square Enix": "entertainment", "Sega": "entertainment", "Konami": "entertainment",
    "NEXON": "entertainment", "Supercell": "entertainment", "Valve": "entertainment",
    "GOG.com": "entertainment", "Humble Bundle": "entertainment", "Fortnite": "entertainment",
    "Twitch": None, "Indeed": "software_web", "Glassdoor": None,
    "Kahoot!": "software_web", "Khan Academy": None, "edX": "software_web",
    "Chegg": "software_web", "Byju's": "software_web", "Unacademy": "software_web",
    "Peak Design": "retailer", "Wayfair": "retailer", "Chewy": "retailer",
    "Poshmark": "retailer", "Mercari": "retailer", "OfferUp": "retailer", "Depop": "retailer",
    "Letgo": "retailer", "Craigslist": "software_web", "Kleinanzeigen": "software_web",
    "Sahibinden": "software_web", "Honey": "software_web", "Rocket": None,
    "Ticket Tailor": "entertainment", "Eventbrite": "entertainment", "Meetup": "software_web",
    "Songkick": "entertainment", "Bandsintown": "entertainment", "Live Nation": "entertainment",
    "Ticketfly": "entertainment", "WWE": "entertainment", "UFC": "entertainment",
    "F1": "entertainment", "NBA": "entertainment", "NFL": "entertainment", "MLB": "entertainment",
    "NHL": "entertainment", "Premier League": "entertainment", "Disney": "entertainment",
    "Paramount Pictures": "entertainment", "Warner Bros.": "entertainment",
    "HelloFresh ": "software_web", "Strava": "software_web", "Runkeeper": "software_web",
    "Komoot": "software_web", "AllTrails": "software_web", "Hevy": "software_web",
    "OkCupid": "software_web", "okcupid": "software_web", "Badoo": "software_web",
    "Bumble": "software_web", "Hinge": "software_web", "Match": "software_web",
    "Expensify": "software_web", "Gusto": "software_web", "Paychex": "software_web",
    "ADP": "software_web", "Rakuten Viber": None, "Wizz": None,
    "Garmin Connect": None, "Babbel": "software_web", "Rosetta Stone": "software_web",
    "Codecademy": "software_web", "Pluralsight": "software_web", "Treehouse": "software_web",
    "Xfinity": "cable", "Comcast": "cable", "Cox": "cable", "T-Mobile": "telecom",
    "Sprint": "telecom", "Telstra": "telecom", "Optus": "telecom", "Rogers": "telecom",
    "Bell": "telecom", "Telus": "telecom", "Vi": "telecom", "EE": "telecom", "Three": "telecom",
    "TalkTalk": "telecom", "Plusnet": "telecom", "giffgaff": "telecom", "Mint Mobile": "telecom",
    "Visible": "telecom", "Cricket Wireless": "telecom", "Boost Mobile": "telecom",
    "Metro by T-Mobile": "telecom", "Straight Talk": "telecom", "Tracfone": "telecom",
    "Consumer Cellular": "telecom", "Xfinity Mobile": "telecom", "Ting": "telecom",
    "Google Fiber": "telecom", "Starlink": "telecom", "SpaceX": None, "HughesNet": "telecom",
    "Dish": "cable", "DirecTV": "cable", "Sling TV": "cable", "Foxtel Now": "cable",
    "NOW": "entertainment", "Stan": "entertainment", "Binge": "entertainment",
    "Kayo": "entertainment", "BritBox": "entertainment", "ITVX": "entertainment",
    "ITVx": "entertainment", "Channel 4": None, "BBC": None, "CBC": None,
    "Cash App ": "software_web", "Splitwise": "software_web", "Tide": "bank",
    "Fineco": "bank", "Sparkasse": "bank", "Viva Wallet": "bank", "Lydia": "bank",
    "FamPay": "bank", "Mercado Pago": "software_web", "PicPay": "bank", "PagSeguro": "bank",
    "Kueski": "lender", "Uphold": "software_web", "OKX": "software_web", "KuCoin": "software_web",
    "WazirX": "software_web", "ZebPay": "software_web", "Trezor": "other_consumer",
    "Crypto.com": "software_web", "Kraken": "software_web", "Gemini": "software_web",
    "Blockchain.com": "software_web", "eToro": "software_web", "Webull": "software_web",
    "Paysafe": "bank", "Skrill": "bank", "Neteller": "bank", "Fawry": "software_web",
    "Conekta": "software_web", "Adyen": "software_web", "Braintree": "software_web",
    "Afterpay ": "lender", "Affirm": "lender", "Sezzle": "lender", "Monzo ": "bank",
    "Paddy Power": "entertainment", "Betfair": "entertainment", "Bet365": "entertainment",
    "DraftKings": "entertainment", "FanDuel": "entertainment", "PokerStars": "entertainment",
    "Vivint Smart Home": "other_consumer", "ADT": "other_consumer", "SimpliSafe": "other_consumer",
    "Nest": "other_consumer", "Ecobee": "other_consumer", "Dyson": "other_consumer",
    "Miele": "other_consumer", "Whirlpool": "other_consumer", "KitchenAid": "other_consumer",
    "Electrolux": "other_consumer", "Siemens": None, "Philips": "other_consumer",
    "GoPro": "other_consumer", "Insta360": "other_consumer", "Leica": "other_consumer",
    "Olympus": "other_consumer", "Ricoh": "other_consumer", "Brother": "other_consumer",
    "Xerox": "other_consumer", "Kyocera": "other_consumer", "Sharp": "other_consumer",
    "Hisense": "other_consumer", "TCL": "other_consumer", "Vizio": "other_consumer",
    "Vestel": "other_consumer", "Haier": "other_consumer", "Realme": "other_consumer",
    "Nothing": "other_consumer", "Oculus": "other_consumer", "Meta": "software_web",
    "Atari": "entertainment", "Sony Pictures": "entertainment", "WALKMAN": "other_consumer",
    "Audio-Technica": "other_consumer", "Beats by Dre": "other_consumer",
    "Kingston Technology": "other_consumer", "Western Digital": "other_consumer",
    "SanDisk": "other_consumer", "Synology": "other_consumer", "QNAP": "other_consumer",
    "Ubiquiti": "other_consumer", "Eero": "other_consumer", "Keenetic": "other_consumer",
    "AVM": "other_consumer", "FRITZ!": "other_consumer", "Cooler Master": "other_consumer",
    "HyperX": "other_consumer", "NZXT": "other_consumer", "Redragon": "other_consumer",
    "Supermicro": None, "System76": "other_consumer", "TUXEDO Computers": "other_consumer",
    "Purism": "other_consumer", "Framework": None, "Analogue": "other_consumer",
    "Flashforge": "other_consumer", "Elegoo": "other_consumer", "MakerBot": "other_consumer",
    "Celestron": "other_consumer", "LIFX": "other_consumer", "Twinkly": "other_consumer",
    "Imou": "other_consumer", "Shelly": "other_consumer", "SmartThings": "other_consumer",
    "WEMO": "other_consumer", "Tado": "other_consumer", "tado°": "other_consumer",
    "Victron Energy": None, "Generac": "other_consumer", "Bluesound": "other_consumer",
    "Chemex": None, "Jameson": None, "Carlsberg Group": "other_consumer",
    "Chupa Chups": None, "Unilever": "other_consumer",
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
CC_SECOND_LEVEL = {"co", "com", "org", "net", "ac", "gov", "edu", "ltd", "plc", "nic", "or",
                   "ne", "gob", "gen", "firm", "ind", "info", "biz", "nom", "sch", "mil", "web",
                   "me", "go", "gv", "in", "nhs", "police", "mod", "lg", "gouv", "asso", "id",
                   "res", "blog", "ens", "or", "tm", "int"}

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
    "discount", "express", "metro", "city", "local", "national", "central", "general", "public",
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
    "citizens", "express", "sprint", "allegiant", "alaska", "hawaiian", "british", "national",
    "royal", "continental", "northern", "southern", "western", "eastern", "northwest",
    "northeast", "southeast", "midwest", "pacific", "atlantic", "global", "international",
    "allied", "pioneer", "liberty", "guardian", "standard", "premier", "capital", "federal",
    "republic", "regional", "sun", "star", "summit", "horizon", "frontier", "mobil", "first",
    "heritage", "peoples", "people's", "community", "metro", "metropolitan", "central", "state",
    "union", "alliance", "integrity", "patriot", "freedom", "independence", "eagle", "phoenix",
    "apex", "zenith", "prime", "elite", "infinity", "unity", "harmony", "legacy", "pinnacle",
    "keystone", "cornerstone", "landmark", "gateway", "anchor", "beacon", "compass", "sterling",
    "crown", "monarch", "empire", "imperial", "dominion", "colonial", "commonwealth", "coastal",
    "valley", "mountain", "river", "lake", "prairie", "desert", "island", "bay", "harbor",
    "harbour", "ocean", "sky", "orange", "three", "next", "boots", "shell", "subway", "target",
    "chase", "delta", "apple", "visa", "total", "giant", "safeway", "express", "spectrum",
    "frontier", "cox", "charter", "optimum", "ally", "discover", "synchrony", "citizens",
    "regions", "truist", "huntington", "santander", "key", "fifth third", "ulta", "ross",
    "marshalls", "kohl's", "big lots", "staples", "office depot", "dollar general",
    "meta", "block", "square", "visible", "mint", "boost", "metro", "cricket", "ting",
    "straight talk", "consumer cellular", "sling", "dish", "hulu", "peacock", "stan", "binge",
    "kayo", "now", "tide", "wise", "zilch", "monzo", "gemini", "kraken", "nothing", "sharp",
    "brother", "match", "hinge", "bumble", "honey", "rocket", "ring", "nest", "tile", "box",
    "notion", "slack", "zoom", "canva", "plex", "steam", "origin", "ea", "sega", "valve",
    "bell", "rogers", "telus", "optus", "three", "ee", "vi", "o2", "jio", "tesco",
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
    {"name": "Lord & Taylor", "aliases": ["Lord & Taylor", "Lord and Taylor"],
     "handles": ["lordandtaylor"], "domains": ["lordandtaylor.com"], "category": "retailer",
     "countries": ["us"]},
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
    "uber": "software_web", "lyft": "software_web", "netflix": "entertainment",
    "fedex": "carrier", "ups": "carrier", "dhl": "carrier", "usps": "carrier",
    "united_states_postal_service": "carrier", "royal_mail": "carrier",
}

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
    else:
        dom = ".".join(labels[-2:])
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
        ewt = os.path.join(corpora, "ud-english-ewt")
        for fn in ("en_ewt-ud-train.conllu", "en_ewt-ud-dev.conllu", "en_ewt-ud-test.conllu"):
            with open(os.path.join(ewt, fn), encoding="utf-8") as f:
                for line in f:
                    if not line or line[0] == "#" or line == "\n":
                        continue
                    c = line.split("\t")
                    if len(c) < 4 or not c[0].isdigit():
                        continue
                    form, lemma, upos = c[1], c[2], c[3]
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
        self.countries = set()
        with open(os.path.join(corpora, "names-places", "geonames-world-cities", "world-cities.csv"),
                  encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                self.places.add(norm(r["name"]))
                self.countries.add(norm(r["country"]))
                if r["country"] in COUNTRY_NAME_TO_CODE and r["subcountry"]:
                    self.places.add(norm(r["subcountry"]))
        self.places |= self.countries
        self.places.discard("")

    def is_ordinary(self, word):
        """An ordinary lower-case English word (EWT, not as a proper noun)."""
        w = strip_accents(word).lower().replace("’", "'")
        return self.ordinary[w] >= 1 or (w.endswith("s") and self.ordinary[w[:-1]] >= 3)

    def is_common_name(self, word):
        w = strip_accents(word).upper()
        return self.first.get(w, 0.0) >= 0.010 or self.last.get(w, 0.0) >= 0.005

    def is_place(self, phrase):
        return norm(phrase) in self.places


# ---------------------------------------------------------------------------------------------
# Records: one per source item
# ---------------------------------------------------------------------------------------------

class Rec:
    __slots__ = ("src", "key", "primary", "names", "qids", "websites", "handles", "category",
                 "countries", "desc", "owner_qids", "owner_names", "codes", "weight",
                 "join_only", "defunct", "explicit_category", "cat_prio", "label", "sp500")

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
        self.codes = []
        self.weight = 0.0
        self.join_only = False
        self.defunct = False
        self.label = None
        self.sp500 = False

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
                    if on and norm_core(on) == norm_core(primary):
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
            if info:
                r.label = info.get("label")
                r.add_name(info.get("label"), "label")
                r.desc = info.get("description") or ""
                ids = info.get("identities", {})
                if ids.get("website"):
                    r.websites.append(ids["website"])
                h = valid_handle(ids.get("twitter"))
                if h:
                    r.handles.append(h)
                if info.get("dissolutions"):
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


def load_wikidata(corpora):
    path = os.path.join(corpora, "companies-open", "nsi-name-suggestion-index", "dist",
                        "wikidata.min.json")
    return read_json(path).get("wikidata", {})


def load_airlines(corpora):
    base = os.path.join(corpora, "companies-open")
    optd_dir = os.path.join(base, "opentraveldata-airlines")
    of_dir = os.path.join(base, "openflights-airlines")
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
    # OpenFlights rows by ICAO code.
    of_by_icao = {}
    of_by_iata = collections.defaultdict(list)
    with open(os.path.join(of_dir, "airlines.dat"), encoding="utf-8", newline="") as f:
        for row in csv.reader(f):
            if len(row) < 8:
                continue
            row = [None if v == "\\N" else v for v in row]
            aid, name, alias, iata, icao, callsign, country, active = row[:8]
            d = {"name": name, "alias": alias, "iata": iata or "", "icao": icao or "",
                 "country": country or "", "active": active == "Y"}
            if d["icao"] and d["icao"] not in ("N/A",):
                of_by_icao.setdefault(d["icao"], d)
            if d["iata"] and d["iata"] != "-":
                of_by_iata[d["iata"]].append(d)
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
    for row in rows:
        if row["env_id"]:
            continue  # an older version of a row
        iata, icao = row["2char_code"], row["3char_code"]
        name = clean_space(row["name"])
        if not name or not is_latin(name):
            continue
        current = not row["validity_to"]
        ff = int(row["flt_freq"] or 0)
        handles = tw.get(iata, []) if (iata and current_by_iata.get(iata) is row) else []
        if not handles and iata and row["validity_to"] and current_by_iata.get(iata) is None:
            handles = tw.get(iata, [])
        of = of_by_icao.get(icao) if icao else None
        if of is None and iata:
            cands = [d for d in of_by_iata.get(iata, []) if norm(d["name"]) == norm(name)]
            of = cands[0] if cands else None
        of_active = bool(of and of["active"])
        web = web_pk.get(row["pk"]) or web_code.get((icao, iata)) or (
            web_code.get((icao, "")) if icao else None)
        # Which airlines: current with an IATA code and traffic, or in an alliance, or with an
        # official Twitter account (this also keeps well-known defunct ones like US Airways).
        keep = False
        if current and iata and row["wiki_link"] and (ff >= 3000 or of_active or iata in alliance):
            keep = True
        if handles:
            keep = True
        r = Rec("opentraveldata-airlines", "optd:" + row["pk"], name)
        r.category = "airline"
        r.cat_prio = 5
        r.join_only = not keep
        r.defunct = not current
        r.add_name(name, "primary")
        if row["name2"] and is_latin(row["name2"]):
            r.add_name(row["name2"], "airline")
        for part in re.findall(r"en\|([^|]*)\|", row["alt_names"] or ""):
            if part and is_latin(part):
                r.add_name(part, "airline")
        if of:
            if of["name"] and is_latin(of["name"]):
                r.add_name(of["name"], "airline")
            if of["alias"] and is_latin(of["alias"]):
                r.add_name(of["alias"], "airline")
            if of["country"] in COUNTRY_NAME_TO_CODE:
                r.countries.add(COUNTRY_NAME_TO_CODE[of["country"]])
        if web:
            r.websites.append(web)
        r.handles.extend(handles)
        if iata:
            r.codes.append("IATA:" + iata + ("" if current else ":old:" + row["pk"]))
        if icao:
            r.codes.append("ICAO:" + icao)
        r.weight = 2.0 + min(ff, 1_000_000) / 200_000.0 + (2.0 if handles else 0.0) + (
            1.0 if r.countries & {"us", "gb", "ca", "au", "ie", "in", "nz"} else 0.0)
        recs.append(r)
    srcs = [r for r in recs]
    # OpenFlights contributes names and countries to the OPTD rows above (same ICAO code);
    # mark it as a source where it did.
    for r in srcs:
        if any(k == "airline" for _, k in r.names) and any(c.startswith("ICAO:") for c in r.codes):
            icao = [c for c in r.codes if c.startswith("ICAO:")][0][5:]
            if icao in of_by_icao:
                r.owner_names.append("__openflights__")
    return recs


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
            r.sp500 = True
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
                   r"plc|PLC|LLC|L\.L\.C\.|N\.V\.|S\.A\.|AG|SE|Holdings|Group|Companies)$", "", s)
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
            label = squash(dom.split(".")[0])
            t = squash(title)
            if label and t and (label in t or t in label or
                                any(len(w) >= 4 and w in label for w in norm(title).split())):
                r.websites.append(e["source"])
        r.weight = 2.0
        recs.append(r)
    return recs


def load_mcc(corpora):
    path = os.path.join(corpora, "companies-open", "mcc-mnc-mobile-operators", "mcc-mnc-list.json")
    by_brand = collections.OrderedDict()
    for e in read_json(path):
        if e.get("status") != "Operational" or not e.get("brand"):
            continue
        cc = str(e.get("countryCode") or "").lower()
        for b in re.split(r"\s*/\s*|\s*,\s*", re.sub(r"\s*\([^)]*\)", "", e["brand"])):
            b = clean_space(b)
            if not b or re.fullmatch(r"[0-9 ]+", b) or not is_latin(b):
                continue
            by_brand.setdefault(b, set()).add(cc)
    recs = []
    for b in sorted(by_brand):
        ccs = by_brand[b]
        tcs = {c for c in ccs if c in TARGET_SET}
        if not tcs and len(ccs) < 5:
            continue
        r = Rec("mcc-mnc-mobile-operators", "mcc:" + b, b)
        r.category = "telecom"
        r.cat_prio = 2
        r.countries = tcs
        r.add_name(b, "primary")
        # Small operators (one country, no other source) only join.
        r.join_only = not tcs
        r.weight = 1.5 + (1.0 if tcs & {"us", "gb"} else 0.0) + min(len(ccs), 10) / 5.0
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
